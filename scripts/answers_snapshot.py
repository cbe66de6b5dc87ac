"""Write every CLI and API answer for the German clusters to one file, to compare two versions.

    python scripts/answers_snapshot.py --models models --out answers.jsonl

Run it before and after a refactoring and compare the files (``cmp``): a change that must not
change behaviour leaves them byte-identical. Uses the shipped catalogue and the bundle in
``--models`` (build it first with ``clusterbridge build``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from matcher import load_catalogue
from service.main import create_app
from service.settings import Settings

try:
    from cli import main as cli_main
except ImportError:  # the layout before the subpackages
    from matcher.cli import main as cli_main  # type: ignore[no-redef]

ADHOC = [
    {"name": "Nordlicht Photonik", "country": "DE",
     "description": "Netzwerk für Optik und Photonik: Laser, Sensorik und Bildverarbeitung für die "
                    "Medizintechnik; wir suchen Partner in Asien für gemeinsame Projekte.",
     "fields": ["Optik und Photonik"], "offers": ["Lasertechnik"], "seeks": ["Märkte in Asien"]},
    {"name": "Harbour Hydrogen", "country": "DE",
     "description": "Cluster for hydrogen production, storage and fuel cells in ports and shipping.",
     "fields": ["Energy"], "offers": ["electrolyser test sites"], "seeks": ["fuel cell makers"]},
]


def cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli_main(list(argv))
    return f"[exit {code}]\n{out.getvalue()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    models = str(args.models.resolve())
    lines: list[dict[str, str]] = []

    def keep(kind: str, key: str, answer: str) -> None:
        lines.append({"kind": kind, "key": key, "answer": answer})

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(models_dir=Path(models), database=Path(tmp) / "db.sqlite3",  # type: ignore[call-arg]
                            report_dir=Path(tmp) / "reports")
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            ids = sorted(p.id for p in load_catalogue().german())
            for pid in ids:
                for params in ({}, {"scope": "cross_field"}, {"exclude_partners": "true", "top": "20"},
                               {"world_region": "Eastern Asia"}):
                    r = client.get(f"/api/v1/profiles/{pid}/matches", params=params)
                    keep("api", f"{pid} {sorted(params.items())}", f"{r.status_code} {r.text}")
            for record in ADHOC:
                r = client.post("/api/v1/match", json={"profile": record})
                keep("api", f"adhoc {record['name']}", f"{r.status_code} {r.text}")
        for pid in ids:
            keep("cli", f"{pid} json", cli("--models", models, "match", "--cluster", pid, "--json"))
            keep("cli", f"{pid} table", cli("--models", models, "match", "--cluster", pid))
            keep("cli", f"{pid} cross", cli("--models", models, "match", "--cluster", pid,
                                          "--scope", "cross_field", "--json"))
        for argv in (["stats", "--json"], ["coverage", "--json"], ["network", "--format", "json"]):
            keep("cli", " ".join(argv), cli("--models", models, *argv))
        for record in ADHOC:
            path = Path(tmp) / "profile.json"
            path.write_text(json.dumps(record), encoding="utf-8")
            keep("cli", f"adhoc {record['name']}", cli("--models", models, "match", "--profile", str(path),
                                                     "--json"))
    args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    print(f"{len(lines)} answers written to {args.out}")


if __name__ == "__main__":
    main()
