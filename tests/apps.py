"""What the service tests share: settings on the hand-written catalogue, the admin token, and
checks of the error envelope. The fixtures ``settings`` and ``client`` (conftest.py) build on it."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.settings import Settings
from tests.conftest import CATALOGUE_DIR

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_settings(tmp: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": CATALOGUE_DIR, "models_dir": tmp / "models", "database": tmp / "db.sqlite3",
        "embedder": "hashing-384", "api_token": SecretStr(TOKEN), "report_dir": tmp / "reports",
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def assert_error(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def new_profile(**changes: object) -> dict:
    body: dict[str, object] = {
        "name": "Test Laser Valley", "country": "DE", "region": "Bavaria", "nuts": "DE2",
        "fields": ["Photonics"], "description": "Laser makers looking for Asian suppliers.",
        "offers": ["laser system integration"], "seeks": ["photonics component suppliers in Asia"],
        "roles": ["research"], "size": {"members": 80},
    }
    body.update(changes)
    return body


def wait_for_report(client: TestClient, report_id: str) -> dict:  # type: ignore[type-arg]
    for _ in range(300):
        status = client.get(f"/api/v1/reports/{report_id}").json()
        if status["status"] != "running":
            return status  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("report still running")
