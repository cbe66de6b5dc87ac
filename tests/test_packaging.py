"""The installed package, not only the checkout: a wheel carries every subpackage and the data
files the code reads (message catalogues, templates, static files), and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_the_wheel_carries_every_package_and_data_file(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)], check=True)
    (wheel,) = tmp_path.glob("clusterbridge-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for top in ("matcher", "service", "cli")
                for p in (ROOT / top).rglob("__init__.py")}
    assert {p for p in packages if f"{p}/__init__.py" not in names} == set()
    data = [p for top in ("matcher", "service") for p in (ROOT / top).rglob("*")
            if p.suffix in {".json", ".html", ".js", ".css", ".svg"} and "__pycache__" not in p.parts]
    assert len(data) > 20
    assert {str(p.relative_to(ROOT)) for p in data} - names == set()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "clusterbridge = cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
