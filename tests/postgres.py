"""A temporary PostgreSQL server for the tests: Debian's ``postgresql`` package (installed by
``make system-deps``), initialised and started in a temporary directory on a free loopback port,
stopped and removed afterwards. As root, the server runs as the ``postgres`` user (initdb refuses
root)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.servers import free_port


def binaries() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: `make system-deps` installs Debian's "
                           "postgresql package")
    return versions[-1].parent


@contextmanager
def temporary_server() -> Iterator[str]:
    """A running server; yields its URL without a database name."""
    bindir = binaries()
    root = Path(tempfile.mkdtemp(prefix="clusterbridge-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
               "-c fsync=off -c full_page_writes=off")
    try:
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
                       check=True, capture_output=True)
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                        "-w", "-t", "60", "-o", options, "start"], check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def new_database(server: str) -> str:
    """A new empty database on ``server``; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
