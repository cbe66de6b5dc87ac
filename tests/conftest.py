"""Shared fixtures: the hand-written test catalogue, and bundles built from it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from service.settings import Settings

from matcher import (
    Catalogue,
    HashingEmbedder,
    Matcher,
    Reference,
    build_bundle,
    load_bundle,
    load_catalogue,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
CATALOGUE_DIR = FIXTURES / "catalogue"


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference.load()


@pytest.fixture(scope="session")
def catalogue(reference: Reference) -> Catalogue:
    return load_catalogue(CATALOGUE_DIR, reference)


@pytest.fixture(scope="session")
def hashing_matcher(catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    models = tmp_path_factory.mktemp("models-hashing")
    path = build_bundle(catalogue, HashingEmbedder(), models_dir=models)
    return Matcher(load_bundle(path, reference=catalogue.reference))


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from matcher.engine.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def real_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models directory with the shipped catalogue built by the default (real) embedder."""
    from matcher import ensure_bundle
    from matcher.catalogue import load_config
    from matcher.engine.embedding import DEFAULT_EMBEDDER

    models = tmp_path_factory.mktemp("real-models")
    ensure_bundle(load_catalogue(), DEFAULT_EMBEDDER, models_dir=models, config=load_config())
    return models


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for this test session (see tests/postgres.py)."""
    from tests.postgres import temporary_server

    with temporary_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh database on the session's PostgreSQL server."""
    from tests.postgres import new_database

    return new_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database of each back-end: a SQLite file or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "db.sqlite3")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Service settings on the hand-written catalogue with the hashing embedder; a module that
    needs others overrides this fixture."""
    from tests.apps import make_settings

    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app of ``settings`` through a TestClient (server errors answered, not raised)."""
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c
