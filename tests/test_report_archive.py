"""Reports on disk: a bounded queue, an index that survives restarts, retention, cleanup of
what a killed process left, and no symbolic link followed out of a report folder."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings
from tests.test_api import AUTH, assert_error, make_settings, wait_for_report


def run_report(client: TestClient) -> str:
    started = client.post("/api/v1/reports", json={"top": 2, "formats": ["csv"],
                                                   "clusters": ["de-aero"]}, headers=AUTH)
    assert started.status_code == 202, started.text
    report_id: str = started.json()["id"]
    assert wait_for_report(client, report_id)["status"] == "done"
    return report_id


def test_report_ids_survive_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        report_id = run_report(c)
    with TestClient(create_app(settings)) as c:
        status = c.get(f"/api/v1/reports/{report_id}").json()
        assert status["status"] == "done" and "suggestions.csv" in status["files"]
        download = c.get(f"/api/v1/reports/{report_id}/files/suggestions.csv")
        assert download.status_code == 200 and download.text.startswith("cluster_id,")


def test_the_report_queue_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import service.state

    release = threading.Event()
    collect = service.state.collect

    def slow_collect(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(30)
        return collect(*args, **kwargs)

    monkeypatch.setattr(service.state, "collect", slow_collect)
    with TestClient(create_app(make_settings(tmp_path, report_queue=2))) as c:
        body = {"top": 2, "formats": ["csv"], "clusters": ["de-aero"]}
        accepted = [c.post("/api/v1/reports", json=body, headers=AUTH) for _ in range(2)]
        assert [r.status_code for r in accepted] == [202, 202]
        refused = c.post("/api/v1/reports", json=body, headers=AUTH)
        assert_error(refused, 429)
        assert int(refused.headers["Retry-After"]) > 0
        release.set()
        for r in accepted:
            assert wait_for_report(c, r.json()["id"])["status"] == "done"
        assert c.post("/api/v1/reports", json=body, headers=AUTH).status_code == 202


def test_leftovers_of_a_killed_process_are_removed_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    reports = settings.report_dir
    partial = reports / f".{'a' * 32}.tmp-x1y2"
    partial.mkdir(parents=True)
    (partial / "suggestions.csv").write_text("half")
    never_finished = reports / ("b" * 32)
    never_finished.mkdir()
    with TestClient(create_app(settings)) as c:
        assert not partial.exists() and not never_finished.exists()
        assert_error(c.get(f"/api/v1/reports/{'b' * 32}"), 404)


def test_reports_from_before_the_index_are_taken_in_and_expire(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        report_id = run_report(c)
    (settings.report_dir / "index.json").unlink(missing_ok=True)  # as written before the index
    old = time.time() - 3 * 86400
    os.utime(settings.report_dir / report_id / "manifest.json", (old, old))
    with TestClient(create_app(settings)) as c:  # taken in: the files are served
        assert c.get(f"/api/v1/reports/{report_id}").json()["status"] == "done"
    with TestClient(create_app(make_settings(tmp_path, report_max_age_days=1))) as c:
        assert_error(c.get(f"/api/v1/reports/{report_id}"), 404)
    assert not (settings.report_dir / report_id).exists()


def test_retention_keeps_the_newest_within_the_size_limit(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        first = run_report(c)
        time.sleep(0.05)
        second = run_report(c)
    size = sum(p.stat().st_size for p in (settings.report_dir / second).iterdir())
    # Room for one report: the older one goes at the next start, the newer one stays.
    with TestClient(create_app(make_settings(tmp_path, report_max_total_mb=1.5 * size / 1e6))) as c:
        assert_error(c.get(f"/api/v1/reports/{first}"), 404)
        assert c.get(f"/api/v1/reports/{second}").json()["status"] == "done"
    assert not (settings.report_dir / first).exists() and (settings.report_dir / second).exists()


def test_a_report_file_that_is_a_link_is_not_served(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for download")
    with TestClient(create_app(settings)) as c:
        report_id = run_report(c)
        target = settings.report_dir / report_id / "suggestions.csv"
        target.unlink()
        target.symlink_to(secret)
        assert_error(c.get(f"/api/v1/reports/{report_id}/files/suggestions.csv"), 404)
        assert secret.exists()


def test_the_index_is_written_atomically_and_names_every_report(tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        report_id = run_report(c)
    index = json.loads((settings.report_dir / "index.json").read_text())
    assert [r["id"] for r in index["reports"]] == [report_id]
    # Only the lock that the workers share; no temporary file is left.
    assert [p.name for p in settings.report_dir.iterdir() if p.name.startswith(".")] == [".lock"]


def test_a_report_running_at_a_kill_is_done_if_its_manifest_was_written(tmp_path: Path) -> None:
    from service.report_jobs import ReportArchive

    archive = ReportArchive(tmp_path, max_age=86400, max_bytes=10**9)
    finished, interrupted = archive.create(), archive.create()
    folder = archive.folder(finished.id)
    folder.mkdir()
    (folder / "coverage.csv").write_text("field\n")
    (folder / "manifest.json").write_text(json.dumps({"files": ["coverage.csv"]}))
    archive.folder(interrupted.id).mkdir()
    reopened = ReportArchive(tmp_path, max_age=86400, max_bytes=10**9)  # as after a kill
    done = reopened.get(finished.id)
    assert done is not None and done.status == "done"
    assert done.files == ["coverage.csv", "manifest.json"]
    failed = reopened.get(interrupted.id)
    assert failed is not None and failed.status == "failed"
    assert not archive.folder(interrupted.id).exists()


def test_entries_say_what_they_cover_and_downloads_are_named_after_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        report_id = run_report(c)
        status = c.get(f"/api/v1/reports/{report_id}").json()
        assert (status["clusters"], status["cluster_count"], status["lang"], status["top"],
                status["formats"]) == (["de-aero"], 1, "en", 2, ["csv"])
        download = c.get(f"/api/v1/reports/{report_id}/files/suggestions.csv")
        day = time.strftime("%Y-%m-%d", time.gmtime())
        assert (f'filename="clusterbridge-{day}-1-cluster-en-suggestions.csv"'
                in download.headers["content-disposition"])
        page = c.get("/reports?lang=en").text
        name = c.app.state.service.matcher.catalogue.get("de-aero").name  # type: ignore[attr-defined]
        assert f"{name} · English · top 2 · CSV" in page
        assert f'download="clusterbridge-{day}-1-cluster-en-coverage.csv"' in page
        assert "reports.js" in page and 'http-equiv="refresh"' not in page  # nothing running
    with TestClient(create_app(settings)) as c:  # what it covers survives a restart
        assert c.get(f"/api/v1/reports/{report_id}").json()["top"] == 2


def test_download_names() -> None:
    import calendar

    from service.report_jobs import ReportRecord, download_name

    created = calendar.timegm((2026, 12, 6, 12, 0, 0, 0, 0, 0))
    everything = ReportRecord("a" * 32, "done", created, cluster_count=76, lang="de")
    assert download_name(everything, "report.pdf") == "clusterbridge-2026-12-06-76-clusters-de.pdf"
    assert download_name(everything, "suggestions.xlsx") == "clusterbridge-2026-12-06-76-clusters-de.xlsx"
    assert (download_name(everything, "beyond_your_field.csv")
            == "clusterbridge-2026-12-06-76-clusters-de-beyond-your-field.csv")
    older = ReportRecord("b" * 32, "done", created)  # from before the options were recorded
    assert download_name(older, "report.html") == "clusterbridge-2026-12-06.html"


def test_running_reports_are_polled_not_refreshed_through_a_fragment(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        record = service.reports.create(clusters=[], cluster_count=3, lang="de", top=5,
                                        formats=["pdf"])
        page = c.get("/reports?lang=de").text
        assert f'data-status-url="/api/v1/reports/{record.id}"' in page
        assert "3 Cluster · Deutsch · Top 5 · PDF" in page
        # Without JavaScript: a refresh to the plain URL, which a fragment does not break.
        assert '<noscript><meta http-equiv="refresh" content="5; url=/reports?lang=de"></noscript>' in page
        assert c.get("/static/reports.js").status_code == 200
        service.reports.fail(record.id)


def test_the_service_leaves_out_each_clusters_dismissals(tmp_path: Path) -> None:
    import csv

    from matcher.outcomes.feedback import Feedback

    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        first = run_report(c)
        rows = list(csv.DictReader(c.get(f"/api/v1/reports/{first}/files/suggestions.csv")
                                   .text.splitlines()))
        dismissed = rows[0]["partner_id"]
        c.app.state.service.store.record_feedback(  # type: ignore[attr-defined]
            Feedback("de-aero", dismissed, "not_relevant", "other", "not for us"))
        second = run_report(c)
        rows = list(csv.DictReader(c.get(f"/api/v1/reports/{second}/files/suggestions.csv")
                                   .text.splitlines()))
        assert dismissed not in [r["partner_id"] for r in rows]
        manifest = c.get(f"/api/v1/reports/{second}/files/manifest.json").json()
        assert manifest["lists"]["dismissed_left_out"] == {"de-aero": [dismissed]}
