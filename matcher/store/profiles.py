"""Profiles and relationships in the database: seeding from the catalogue, versioned writes,
catching up with other processes (:meth:`ProfileRows.changed_since`) and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..catalogue.catalogue import Catalogue, Reference, write_catalogue
from ..catalogue.profiles import Profile, as_problems, parse_profile, scrub_record
from ..catalogue.relationships import Relationships, parse_membership, parse_network, parse_partnership
from ..errors import CatalogueError, Problem, VersionConflictError
from .base import Connection, StoreBase, logger
from .schema import RELATIONSHIP_TABLES


def _parse_stored(body: str, reference: Reference) -> tuple[Profile | None, list[tuple[str, str]]]:
    """A stored profile row, checked like a catalogue record except that sources are optional.

    Control characters in a row written before they were refused are replaced by spaces, so
    that such a row neither stops the service nor reaches a page or report.
    """
    record = json.loads(body)
    if isinstance(record, dict):
        cleaned = scrub_record(record)
        if cleaned != record:
            logger.warning("profile %r: control characters in stored text read as spaces",
                           record.get("id"))
            record = cleaned
    profile, problems, _ = parse_profile(record, reference.geography,
                                         reference.taxonomy, strict=True, require_sources=False)
    return profile, problems


class ProfileRows(StoreBase):
    """Profiles (one JSON body and a version per row) and the relationship tables."""

    def changed_since(self, version: int, reference: Reference) -> list[Profile]:
        """The profiles written after data version ``version``, by id."""
        rows = self._read("SELECT body FROM profiles WHERE changed > ? ORDER BY id", [version])
        profiles = []
        for (body,) in rows:
            profile, _ = _parse_stored(body, reference)
            if profile is not None:
                profiles.append(profile)
        return profiles

    def is_empty(self) -> bool:
        return int(self._read("SELECT COUNT(*) FROM profiles")[0][0]) == 0

    def seed(self, catalogue: Catalogue) -> bool:
        """Fill an empty database from ``catalogue``; returns whether it did."""
        with self._write() as db:
            if db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0]:
                return False
            version = self._bump(db)
            db.executemany(
                "INSERT INTO profiles (id, body, version, changed) VALUES (?, ?, 1, ?)",
                [(p.id, json.dumps(p.to_dict(), ensure_ascii=False), version)
                 for p in catalogue.profiles],
            )
            self._insert_relationships(db, catalogue.relationships)
            return True

    def replace_relationships(self, relationships: Relationships) -> None:
        """Replace every stored relationship (after an upgrade from the first schema)."""
        with self._write() as db:
            for table in RELATIONSHIP_TABLES:
                db.execute(f"DELETE FROM {table}")
            self._insert_relationships(db, relationships)
            self._bump(db)
        self.needs_relationships = False

    @staticmethod
    def _insert_relationships(db: Connection, relationships: Relationships) -> None:
        ties, networks, members = relationships.rows()
        db.executemany("INSERT INTO partnerships (a, b, since, kind, source, note, confirmed) "
                       "VALUES (:a, :b, :since, :kind, :source, :note, :confirmed)",
                       ties)
        db.executemany(
            "INSERT INTO networks VALUES (:id, :name, :kind, :since, :until, :source)", networks)
        db.executemany(
            "INSERT INTO network_members VALUES (:network, :profile, :since, :source)", members)

    def catalogue(self, reference: Reference) -> Catalogue:
        """Every stored profile and partnership, validated like a catalogue file."""
        with self._reading() as db:
            rows = db.execute("SELECT id, body FROM profiles ORDER BY id").fetchall()
            tables = {table: self._rows(db, table) for table in RELATIONSHIP_TABLES}
        profiles: list[Profile] = []
        problems: list[Problem] = []
        for n, (_, body) in enumerate(rows, start=1):
            profile, pairs = _parse_stored(body, reference)
            problems.extend(as_problems(self.location, n, pairs))
            if profile is not None:
                profiles.append(profile)
        parsed: dict[str, list[Any]] = {}
        for table, parse in zip(RELATIONSHIP_TABLES, (parse_partnership, parse_network,
                                                      parse_membership), strict=True):
            parsed[table] = []
            for n, row in enumerate(tables[table], start=1):
                record, pairs = parse(row)
                problems.extend(as_problems(f"{self.location}#{table}", n, pairs))
                if record is not None:
                    parsed[table].append(record)
        if problems:
            raise CatalogueError(problems)
        relationships = Relationships(parsed["partnerships"], parsed["networks"],
                                      parsed["network_members"])
        return Catalogue(profiles, relationships, reference)

    @staticmethod
    def _rows(db: Connection, table: str) -> list[dict[str, Any]]:
        cursor = db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def get(self, profile_id: str, reference: Reference) -> tuple[Profile, int] | None:
        """A stored profile and its version, read together (None if absent)."""
        rows = self._read("SELECT body, version FROM profiles WHERE id = ?", [profile_id])
        if not rows:
            return None
        profile, _ = _parse_stored(rows[0][0], reference)
        return (profile, int(rows[0][1])) if profile is not None else None

    def version(self, profile_id: str) -> int | None:
        rows = self._read("SELECT version FROM profiles WHERE id = ?", [profile_id])
        return None if not rows else int(rows[0][0])

    def upsert(self, profile: Profile, expected_version: int | None = None) -> int:
        """Insert or replace ``profile`` in one transaction; returns its new version.

        Raises:
            VersionConflictError: ``expected_version`` is given and is not the stored version
                (0 means "must not exist yet").
        """
        body = json.dumps(profile.to_dict(), ensure_ascii=False)
        with self._write() as db:
            row = db.execute("SELECT version FROM profiles WHERE id = ?", (profile.id,)).fetchone()
            current = None if row is None else int(row[0])
            if expected_version is not None and expected_version != (current or 0):
                raise VersionConflictError(profile.id, expected_version, current)
            version = (current or 0) + 1
            changed = self._bump(db)
            db.execute(
                "INSERT INTO profiles (id, body, version, changed) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version, "
                "changed = excluded.changed",
                (profile.id, body, version, changed),
            )
        return version

    def export(self, reference: Reference, directory: Path) -> None:
        """Write the database in the catalogue format (``profiles/*.jsonl``, partnerships.csv)."""
        write_catalogue(self.catalogue(reference), directory)
