"""The command line: JSON shape, readable table, one-line errors with exit code 2."""

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from cli import main
from tests.conftest import CATALOGUE_DIR


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data", str(CATALOGUE_DIR), "--models", str(tmp_path / "models"),
                 "--embedder", "hashing-384", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_match_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    code, out, _ = run(capsys, tmp_path, "match", "--cluster", "de-aero", "--top", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["query"]["id"] == "de-aero"
    assert len(data["matches"]) == 3
    for m in data["matches"]:
        assert {"id", "name", "country", "region", "fields", "score", "explanation"} <= set(m)
    scores = [m["score"] for m in data["matches"]]
    assert data["matches"][0]["id"] == "ca-aero-mutual"
    assert scores[0] == max(scores)
    assert "no bundle yet" in caplog.text  # the missing bundle was built, and it said so


def test_match_table_and_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "match", "--cluster", "de-photonics", "--country", "KR,US")
    assert code == 0
    assert "kr-photonics" in out and "us-photonics" in out and "jp-photonics" not in out


def test_match_can_keep_only_partners_seen_at_work(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    # A copy of the test catalogue where a source of last year showed one partner at work and
    # one of six years ago another; the others have no dated source.
    data = tmp_path / "data"
    shutil.copytree(CATALOGUE_DIR, data)
    path = data / "profiles" / "example.jsonl"
    year = dt.date.today().year
    seen = {"ca-aero-mutual": year - 1, "us-photonics": year - 6}
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in lines:
        record.pop("confirmed", None)
        if record["id"] in seen:
            record["confirmed"] = seen[record["id"]]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    found = []
    for extra in ((), ("--seen-at-work",)):
        code = main(["--data", str(data), "--models", str(tmp_path / "models"), "--embedder",
                     "hashing-384", "match", "--cluster", "de-aero", "--top", "30", "--json",
                     *extra])
        assert code == 0
        found.append({m["id"] for m in json.loads(capsys.readouterr().out)["matches"]})
    everyone, recent = found
    assert {"ca-aero-mutual", "us-photonics"} < everyone
    assert recent == {"ca-aero-mutual"}


def test_unknown_id_is_one_line_with_closest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, tmp_path, "match", "--cluster", "de-aerx")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "de-aero" in err and "closest" in err


def test_invalid_profile_file_names_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"name": "X", "country": "Deutschland", "description": "d"}))
    code, _, err = run(capsys, tmp_path, "match", "--profile", str(bad))
    assert code == 2
    assert "country" in err and err.count("\n") == 1
    bad.write_text("{not json")
    code, _, err = run(capsys, tmp_path, "match", "--profile", str(bad))
    assert code == 2 and "not valid JSON" in err


def test_ad_hoc_profile_shows_field_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"name": "Laser Net", "country": "DE", "description": "Laser makers.",
                             "fields": ["Optics and Photonics"], "seeks": ["semiconductor fab access"]}))
    code, out, _ = run(capsys, tmp_path, "match", "--profile", str(p), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["query"]["field_mappings"][0]["terms"] == ["Photonics"]
    assert data["matches"]


def test_unknown_filter_value_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, tmp_path, "match", "--cluster", "de-aero", "--field", "Photonix")
    assert code == 2 and "Photonics" in err


def test_stats_json_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert stats["german_profiles"] == 3 and stats["international_profiles"] == 10
    for key in ("countries", "continents", "world_regions", "partnerships", "profiles_per_field"):
        assert key in stats


def test_hand_set_weights_can_be_chosen(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "match", "--cluster", "de-aero", "--json", "--weights", "hand")
    assert code == 0 and json.loads(out)["matches"]
    with pytest.raises(SystemExit) as info:
        run(capsys, tmp_path, "match", "--cluster", "de-aero", "--weights", "magic")
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_evaluate_with_feedback_labels_from_the_database(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    from matcher import Reference, load_catalogue
    from matcher.outcomes.feedback import Feedback
    from matcher.store import SQLiteStore

    database = tmp_path / "db.sqlite3"
    store = SQLiteStore(database)
    store.seed(load_catalogue(CATALOGUE_DIR, Reference.load()))
    for cluster, candidate, status, reason in [
            ("de-aero-home", "ca-aero-mutual", "interested", None),
            ("de-aero-home", "jp-photonics-1", "agreement", None),
            ("de-photonics", "kr-photonics", "not_relevant", "wrong_field"),
            ("de-photonics", "de-aero", "interested", None)]:  # not an international candidate
        store.record_feedback(Feedback(cluster, candidate, status, reason, at="2025-01-01T00:00:00Z"))
    store.close()
    code, plain, _ = run(capsys, tmp_path, "evaluate", "--temporal-split", "2100")
    assert code == 0 and "labels:" not in plain
    assert "n_queries = 2 (German profiles with at least one international bilateral" in plain
    code, out, _ = run(capsys, tmp_path, "evaluate", "--temporal-split", "2100",
                       "--labels", "partnerships,feedback", "--database", str(database))
    assert code == 0
    assert "protocol: partners and feedback, all relationships hidden; n_queries = 3" in out
    assert "(2 positive, 2 of them not already partners; 1 marked not relevant)" in out
    assert "feedback moves the weights: no, fewer than 30" in out
    assert out.split("learned weights:")[1].split("\n")[0] == \
        plain.split("learned weights:")[1].split("\n")[0]
    code, _, err = run(capsys, tmp_path, "evaluate", "--labels", "feedback")
    assert code == 2 and "labels" in err and err.count("\n") == 1
    code, _, err = run(capsys, tmp_path, "evaluate", "--labels", "partnerships,feedback",
                       "--database", str(tmp_path / "missing.sqlite3"))
    assert code == 2 and "not found" in err
