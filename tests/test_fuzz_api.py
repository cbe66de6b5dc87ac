"""Schemathesis against the service's own OpenAPI schema: at least 100 generated cases per
operation, no 5xx, every response matching its documented schema, status and content type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service.settings import Settings
from tests.conftest import CATALOGUE_DIR
from tests.servers import running

pytestmark = pytest.mark.slow
TOKEN = "fuzz-token"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    config = Settings(data_dir=CATALOGUE_DIR, models_dir=tmp / "models", database=tmp / "db.sqlite3",
                      embedder="hashing-384", api_token=SecretStr(TOKEN), report_dir=tmp / "reports")
    with running(config) as url:
        yield url


def fuzz(operation, counts: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Run up to 100 generated cases of one operation with the default checks."""
    from hypothesis import given

    label = operation.label

    @settings(max_examples=100, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case) -> None:  # type: ignore[no-untyped-def]
        counts[label] += 1
        case.call_and_validate(
            headers={"Authorization": f"Bearer {TOKEN}"},
            checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                    response_schema_conformance],
        )

    counts[label] = 0
    check()


def test_api_conforms_to_its_schema(base_url: str) -> None:
    api = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    counts: dict[str, int] = {}
    with_inputs: dict[str, bool] = {}
    for result in api.get_all_operations():
        operation = result.ok()
        with_inputs[operation.label] = bool(operation.body) or any(
            True for _ in operation.iter_parameters())
        fuzz(operation, counts)
    assert len(counts) >= 12
    for label, n in counts.items():
        # Operations without any input have a single possible request.
        assert n >= (100 if with_inputs[label] else 1), (label, n)
