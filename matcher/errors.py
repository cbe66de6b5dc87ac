"""The one exception tree of ClusterBridge.

Every error the library raises on purpose derives from :class:`ClusterBridgeError`, so that the
edges (command line, HTTP service) can map them in one place: the CLI to a one-line message and
exit code 2, the service to a 4xx status with a reason. The tree::

    ClusterBridgeError
    ├── ConfigError                 invalid settings or weights
    ├── InvalidInputError           a caller's bad value (unknown field, bad filter, bad k)
    │   ├── UnknownProfileError     an id not in the catalogue (carries the closest ids)
    │   └── ProfileValidationError  an ad-hoc profile that fails validation (carries the field)
    ├── CatalogueError              a catalogue on disk with problems (carries every problem)
    ├── EmbedderError               an embedder that cannot be loaded or used
    ├── BundleError                 a built artefact that cannot be used
    │   ├── BundleMissingError      no bundle where one was expected
    │   └── BundleCorruptError      checksum, format version or shape mismatch
    ├── VersionConflictError        a store write based on a version that is no longer current
    └── NotFittedError              a fitted model (the weight learner) used before ``fit``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ClusterBridgeError(Exception):
    """Base class of every error raised on purpose by ClusterBridge."""


class ConfigError(ClusterBridgeError):
    """Settings or weights that cannot be used."""


class InvalidInputError(ClusterBridgeError):
    """A caller's value is not acceptable; ``field`` names where, when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownProfileError(InvalidInputError):
    """A profile id that is not in the catalogue; an over-long one is cut for display."""

    def __init__(self, profile_id: str, closest: Sequence[str]) -> None:
        if len(profile_id) > 130:
            profile_id = f"{profile_id[:120]}… ({len(profile_id)} characters)"
        hint = f"; closest ids: {', '.join(closest)}" if closest else ""
        super().__init__(f"unknown profile id {profile_id!r}{hint}", field="id")
        self.profile_id = profile_id
        self.closest = list(closest)


class ProfileValidationError(InvalidInputError):
    """An ad-hoc profile that fails validation."""


@dataclass(frozen=True)
class Problem:
    """One problem found while loading a catalogue file."""

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.field}: {self.message}"


class CatalogueError(ClusterBridgeError):
    """A catalogue with one or more problems; all of them are in ``problems``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "unknown problem"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"invalid catalogue: {first}{more}")


class EmbedderError(ClusterBridgeError):
    """An embedder that cannot be loaded or used."""


class BundleError(ClusterBridgeError):
    """A built bundle that cannot be used."""


class BundleMissingError(BundleError):
    """No bundle at the expected place."""


class BundleCorruptError(BundleError):
    """A bundle whose files do not match its manifest."""


class VersionConflictError(ClusterBridgeError):
    """A write based on a version that is no longer current."""

    def __init__(self, profile_id: str, expected: int, current: int | None) -> None:
        super().__init__(
            f"profile {profile_id!r} is at version {current}, not {expected}; reload and retry"
        )
        self.current = current


class NotFittedError(ClusterBridgeError):
    """A model that learns from data used before it was fitted."""
