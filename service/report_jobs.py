"""The reports kept in one directory: their index, their retention, and the files one may serve.

Layout of the directory (``CLUSTERBRIDGE_REPORT_DIR``)::

    index.json          every known report: id, status, creation time, files, bytes, and what
                        it covers (clusters chosen or their number, language, top k, formats)
    <id>/               the files of a finished report (written by :func:`~matcher.reports.write_report`)
    .<id>.tmp-*/        a report being written; left over only by a killed process

The index is replaced atomically on every change, so report ids survive a restart. Several
processes (the workers of one server, or hosts sharing the directory) may open one archive: every
step takes an exclusive lock on ``.lock`` and reads the index afresh, so a report started through
one worker is listed, limited and served by every other. Each running report names its owner
(host and process id). When an archive is opened, leftovers of a killed process are removed
(temporary folders, folders of reports that never finished), a report whose owner on this host
is gone is marked failed unless its manifest was written, and report folders missing from the
index (from before it existed) are taken in.
Downloads are named after what a report covers (:func:`download_name`), e.g.
``clusterbridge-2026-12-06-76-clusters-de.pdf``.
Retention removes reports older than ``max_age`` seconds, then the oldest until the finished ones
take at most ``max_bytes``. Nothing here follows a symbolic link: links are neither served, nor
taken in, nor followed when removing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

logger = logging.getLogger(__name__)

INDEX = "index.json"
LOCK = ".lock"
REPORT_ID = re.compile(r"\A[0-9a-f]{32}\Z")
PARTIAL = re.compile(r"\A\..*\.tmp-")
STATUSES = ("running", "done", "failed")


@dataclass
class ReportRecord:
    """One report: ``running`` (queued or being written), ``done`` or ``failed``."""

    id: str
    status: str
    created: float
    files: list[str] = field(default_factory=list)
    bytes: int = 0
    owner: str = ""  # "host:pid" of the process writing it (running reports)
    #: What it covers: the clusters chosen (none: every German cluster), how many, the language
    #: of HTML and PDF, suggestions per cluster and formats (0, "" and [] when not recorded).
    clusters: list[str] = field(default_factory=list)
    cluster_count: int = 0
    lang: str = ""
    top: int = 0
    formats: list[str] = field(default_factory=list)


def _options(row: dict[str, Any]) -> dict[str, Any]:
    """The options of an index row, tolerating rows written before they were recorded."""
    return {"clusters": [str(c) for c in row.get("clusters", [])],
            "cluster_count": int(row.get("cluster_count", 0)), "lang": str(row.get("lang", "")),
            "top": int(row.get("top", 0)), "formats": [str(f) for f in row.get("formats", [])]}


def _manifest_options(manifest: Path) -> dict[str, Any]:
    """What a report folder taken in from before the index covers, as its manifest says."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        clusters = [str(c) for c in data.get("clusters", [])]
        return _options({"clusters": clusters, "cluster_count": len(clusters),
                         "lang": data.get("lang", ""), "top": data.get("top", 0),
                         "formats": data.get("formats", [])})
    except (OSError, ValueError, TypeError, AttributeError):
        return _options({})


#: The files that are the whole report in one format, named without their part.
WHOLE_REPORT = ("report.pdf", "report.html", "suggestions.xlsx")
#: Characters kept in a download name; everything else becomes a hyphen.
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def download_name(record: ReportRecord, name: str) -> str:
    """The name a browser saves ``name`` of ``record`` under: the product, the date, how many
    clusters, the language, and the file's part, e.g. ``clusterbridge-2026-12-06-76-clusters-de.pdf``
    or ``...-de-coverage.csv``."""
    date = time.strftime("%Y-%m-%d", time.gmtime(record.created))
    count = record.cluster_count or len(record.clusters)
    parts = ["clusterbridge", date]
    if count:
        parts.append(f"{count}-cluster" + ("s" if count != 1 else ""))
    if record.lang:
        parts.append(record.lang)
    path = PurePosixPath(name)
    if name not in WHOLE_REPORT:  # a part: say which
        parts.append(path.stem)
    return _UNSAFE.sub("-", "-".join(parts)) + path.suffix


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str) -> bool:
    """Whether the owner of a running report may still write it: a process of this host that
    exists, or any process of another host (which cleans up its own reports)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return bool(owner)
    if not pid.isdigit() or int(pid) == os.getpid():
        return False  # this process has just opened the archive: nothing of its own runs yet
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    """Remove a file, a link (never its target) or a folder."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.iterdir()) if folder.is_dir() else 0


class ReportArchive:
    """The index of the reports in ``directory``, safe to share between threads.

    Args:
        directory: where reports are written; created if missing.
        max_age: seconds a report is kept.
        max_bytes: the most the finished reports may take together; the oldest go first.
    """

    def __init__(self, directory: Path, *, max_age: float, max_bytes: int) -> None:
        self.directory = directory
        self.max_age = max_age
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        self._records: dict[str, ReportRecord] = {}
        with self._locked(opening=True):
            self._retain(time.time())
            self._save()

    @contextmanager
    def _locked(self, opening: bool = False) -> Iterator[None]:
        """Exclusive access among threads and processes, with the index read afresh."""
        with self._lock, (self.directory / LOCK).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._records = self._open() if opening else {r.id: r for r in self._read_index()}
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # --- opening ------------------------------------------------------------------------------
    def _open(self) -> dict[str, ReportRecord]:
        records = {r.id: r for r in self._read_index()}
        live = {r.id for r in records.values() if r.status == "running" and _alive(r.owner)}
        for entry in self.directory.iterdir():
            if PARTIAL.match(entry.name) and entry.name[1:].split(".", 1)[0] not in live:
                logger.warning("removing %s, left by an interrupted report", entry)
                _remove(entry)
        for record in records.values():
            if record.status == "running" and record.id not in live:
                finished = self._manifest_files(record.id)
                if finished is None:
                    logger.warning("report %s was interrupted; marked failed", record.id)
                    record.status, record.files, record.bytes = "failed", [], 0
                    _remove(self.directory / record.id)
                else:
                    record.status, record.files = "done", finished
                    record.bytes = _size(self.directory / record.id)
        for record in list(records.values()):
            if record.status == "done" and not self._is_folder(self.directory / record.id):
                del records[record.id]
        for entry in self.directory.iterdir():
            if not REPORT_ID.match(entry.name) or entry.name in records:
                continue
            if entry.is_symlink():
                logger.warning("ignoring %s: a report folder is never a link", entry)
                continue
            finished = self._manifest_files(entry.name)
            if finished is None:
                logger.warning("removing %s, a report that never finished", entry)
                _remove(entry)
            else:
                manifest = entry / "manifest.json"
                records[entry.name] = ReportRecord(entry.name, "done", manifest.lstat().st_mtime,
                                                   finished, _size(entry),
                                                   **_manifest_options(manifest))
        return records

    def _read_index(self) -> list[ReportRecord]:
        path = self.directory / INDEX
        if not path.is_file() or path.is_symlink():
            return []
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))["reports"]
            return [ReportRecord(str(r["id"]), str(r["status"]), float(r["created"]),
                                 [str(f) for f in r["files"]], int(r["bytes"]),
                                 str(r.get("owner", "")), **_options(r))
                    for r in rows if REPORT_ID.match(str(r["id"])) and r["status"] in STATUSES]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("unreadable report index %s (%s); rebuilt from the folders", path, exc)
            return []

    def _manifest_files(self, report_id: str) -> list[str] | None:
        """The files of a finished report (its manifest is written last), else None."""
        folder = self.directory / report_id
        manifest = folder / "manifest.json"
        if not self._is_folder(folder) or manifest.is_symlink() or not manifest.is_file():
            return None
        try:
            names = [str(n) for n in json.loads(manifest.read_text(encoding="utf-8"))["files"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return [n for n in names if "/" not in n and n not in ("", ".", "..")] + ["manifest.json"]

    @staticmethod
    def _is_folder(path: Path) -> bool:
        return not path.is_symlink() and path.is_dir()

    # --- changes ------------------------------------------------------------------------------
    def _save(self) -> None:
        """Replace the index atomically (caller holds the lock)."""
        data = {"format": 1, "reports": [asdict(r) for r in self._records.values()]}
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{INDEX}.tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.directory / INDEX)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def create(self, *, clusters: Sequence[str] = (), cluster_count: int = 0, lang: str = "",
               top: int = 0, formats: Sequence[str] = ()) -> ReportRecord:
        """A new running report, recorded with what it covers."""
        record = ReportRecord(uuid.uuid4().hex, "running", time.time(), owner=_this_process(),
                              clusters=list(clusters), cluster_count=cluster_count, lang=lang,
                              top=top, formats=list(formats))
        with self._locked():
            self._records[record.id] = record
            self._save()
        return record

    def finish(self, report_id: str, files: list[str]) -> None:
        """Mark a report done with its files, then apply the retention."""
        with self._locked():
            record = self._records[report_id]
            record.status, record.files = "done", list(files)
            record.bytes = _size(self.directory / report_id)
            self._retain(time.time())
            self._save()

    def fail(self, report_id: str) -> None:
        with self._locked():
            record = self._records.get(report_id)
            if record is not None and record.status == "running":
                record.status, record.files, record.bytes = "failed", [], 0
                _remove(self.directory / report_id)
                self._save()

    def fail_running(self) -> None:
        """Mark every running report of this process failed (on shutdown, once its report
        thread has stopped)."""
        me = _this_process()
        with self._locked():
            running = [r.id for r in self._records.values()
                       if r.status == "running" and r.owner == me]
        for report_id in running:
            self.fail(report_id)

    def retain(self, now: float | None = None) -> None:
        """Remove what the retention policy no longer keeps."""
        with self._locked():
            self._retain(time.time() if now is None else now)
            self._save()

    def _retain(self, now: float) -> None:
        expired = [r for r in self._records.values()
                   if r.status != "running" and now - r.created > self.max_age]
        finished = sorted((r for r in self._records.values()
                           if r.status == "done" and r not in expired), key=lambda r: r.created)
        total = sum(r.bytes for r in finished)
        while finished and total > self.max_bytes:
            oldest = finished.pop(0)
            expired.append(oldest)
            total -= oldest.bytes
        for record in expired:
            logger.info("report %s removed by the retention policy", record.id)
            _remove(self.directory / record.id)
            del self._records[record.id]

    # --- reading ------------------------------------------------------------------------------
    def folder(self, report_id: str) -> Path:
        return self.directory / report_id

    def get(self, report_id: str) -> ReportRecord | None:
        with self._locked():
            return self._records.get(report_id)

    def records(self) -> list[ReportRecord]:
        """Every report, newest first."""
        with self._locked():
            return sorted(self._records.values(), key=lambda r: (-r.created, r.id))

    def running(self) -> int:
        """How many reports are queued or being written."""
        with self._locked():
            return sum(r.status == "running" for r in self._records.values())

    def file(self, report_id: str, name: str) -> Path | None:
        """The path of one file of a finished report; None for any other name, and for a file
        or folder that is a symbolic link (never followed out of the report folder)."""
        record = self.get(report_id)
        if record is None or record.status != "done" or name not in record.files:
            return None
        folder = self.directory / report_id
        path = folder / name
        if not self._is_folder(folder) or path.is_symlink() or not path.is_file():
            return None
        if path.resolve().parent != folder.resolve():
            return None
        return path
