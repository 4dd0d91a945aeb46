"""A warm command line gives back the stored answer to the same question, and only while every
index page it rests on is fresh and unchanged.

Real runs of `resolver.cli.main` (what `manage.py resolve` runs) against the loopback index,
sharing one cache directory as two runs on one machine do; the server counts what is asked.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from resolver import cli
from resolver.index import answers, pageentry
from resolver.index.diskcache import DirectoryCache
from tests.resolver.index.test_http_cache import NEW, OLD, upload
from tests.support.server import serve_index
from tests.support.universe import Universe, build_index

FRESH = {"Cache-Control": "max-age=600"}
ALWAYS_ASK = {"Cache-Control": "no-cache"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_index(tmp_path / "index", OLD, formats=("json",))
    return tmp_path / "index"


def resolve(tmp_path: Path, url: str, text: str = "demo\n", *options: str, environ: dict | None = None) -> tuple:
    infile = tmp_path / "requirements.in"
    infile.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    argv = [str(infile), "--index-url", url, "--format", "json", "--cache-dir", str(tmp_path / "cache"), *options]
    code = cli.main(argv, environ or {}, out, err)
    return code, json.loads(out.getvalue())


def without_stats(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "stats"}


def test_the_same_question_is_answered_from_the_store_without_asking_the_index(tmp_path, root):
    with serve_index(root, page_headers=FRESH) as server:
        first_code, first = resolve(tmp_path, server.simple_url)
        asked = server.total_requests()
        code, again = resolve(tmp_path, server.simple_url)
    assert (first_code, code) == (0, 0)
    assert "stored_answer" not in first["stats"]
    assert again["stats"]["stored_answer"] is True
    assert (again["stats"]["requests"], again["stats"]["cache_hits"]) == (0, 2)  # the two pages it rests on
    assert without_stats(again) == without_stats(first)
    assert server.total_requests() == asked


def test_a_conflict_is_given_back_with_its_exit_code(tmp_path, root):
    text = "demo\ndep>1\n"
    with serve_index(root, page_headers=FRESH) as server:
        first = resolve(tmp_path, server.simple_url, text)
        again = resolve(tmp_path, server.simple_url, text)
    assert first[0] == again[0] == 1
    assert again[1]["stats"].get("stored_answer") and without_stats(again[1]) == without_stats(first[1])


def test_another_question_is_not_given_the_stored_answer(tmp_path, root):
    with serve_index(root, page_headers=FRESH) as server:
        resolve(tmp_path, server.simple_url)
        other_target = resolve(tmp_path, server.simple_url, "demo\n", "--python-version", "3.10")
        other_input = resolve(tmp_path, server.simple_url, "demo\ndep\n")
        other_limits = resolve(tmp_path, server.simple_url, environ={"RESOLVER_MAX_ROUNDS": "50"})
    for _, report in (other_target, other_input, other_limits):
        assert "stored_answer" not in report["stats"]


def test_stale_pages_are_asked_again_and_a_new_upload_is_seen(tmp_path, root):
    with serve_index(root, page_headers=ALWAYS_ASK) as server:
        _, first = resolve(tmp_path, server.simple_url)
        _, unchanged = resolve(tmp_path, server.simple_url)
        upload(root, tmp_path / "upload")
        _, after_upload = resolve(tmp_path, server.simple_url)
    # Both pages asked again with their validators: two 304s, and the stored answer holds.
    assert unchanged["stats"]["stored_answer"] is True and unchanged["stats"]["requests"] == 2
    assert server.statuses[304] >= 2
    assert without_stats(unchanged) == without_stats(first)
    assert "stored_answer" not in after_upload["stats"]  # demo's page changed: resolved again
    assert (first["pins"]["demo"], after_upload["pins"]["demo"]) == ("1.0", "1.1")


def test_a_page_rewritten_in_the_cache_is_not_rested_on(tmp_path, root):
    """Another run (or another tool sharing the cache) stored a newer demo page: the answer that
    rested on the older one is not given, though the new entry is fresh."""
    with serve_index(root, page_headers=FRESH) as server:
        resolve(tmp_path, server.simple_url)
        cache = DirectoryCache(tmp_path / "cache")
        key = f"page:{server.simple_url}demo/"
        head, _, load = pageentry.split(cache.get(key))
        page = load()
        page["files"] = page["files"][:0]  # any other page: its digest differs
        cache.set(key, pageentry.entry(head["expires"], head["headers"], page)[0], 600)
        code, again = resolve(tmp_path, server.simple_url)
    assert "stored_answer" not in again["stats"]
    assert code == 1  # what the page in the cache now says (no file of demo), not the stored answer


def test_no_stored_answer_resolves_again(tmp_path, root):
    with serve_index(root, page_headers=FRESH) as server:
        resolve(tmp_path, server.simple_url)
        _, again = resolve(tmp_path, server.simple_url, "demo\n", "--no-stored-answer")
    assert "stored_answer" not in again["stats"] and again["stats"]["cache_hits"] >= 2


def test_an_answer_cut_short_by_a_limit_is_not_stored(tmp_path, root):
    big: Universe = {"demo": NEW["demo"], "dep": {"1.0": {}}}
    build_index(root.parent / "big", big, formats=("json",))
    environ = {"RESOLVER_MAX_ROUNDS": "1"}
    with serve_index(root.parent / "big", page_headers=FRESH) as server:
        first_code, first = resolve(tmp_path, server.simple_url, environ=environ)
        code, again = resolve(tmp_path, server.simple_url, environ=environ)
    assert first_code == code == 2 and first["diagnoses"][0]["kind"] == "limit"
    assert "stored_answer" not in again["stats"]


def test_no_cache_stores_nothing(tmp_path, root):
    with serve_index(root, page_headers=FRESH) as server:
        resolve(tmp_path, server.simple_url, "demo\n", "--no-cache")
    assert not (tmp_path / "cache").exists()


def test_an_edited_engine_does_not_get_the_answers_of_the_old_one(tmp_path, monkeypatch):
    engine = tmp_path / "engine"
    (engine / "index").mkdir(parents=True)
    source = engine / "index" / "client.py"
    source.write_text("# one version\n")
    monkeypatch.setattr(answers, "_ENGINE", str(engine))
    before = answers.question_key({"files": {"requirements.in": "demo\n"}})
    assert answers.question_key({"files": {"requirements.in": "demo\n"}}) == before
    source.write_text("# another version, longer\n")
    assert answers.question_key({"files": {"requirements.in": "demo\n"}}) != before
    os.utime(source, ns=(0, 0))  # the same size and another time: an edit all the same
    edited = answers.question_key({"files": {"requirements.in": "demo\n"}})
    os.utime(source, ns=(10**9, 10**9))
    assert answers.question_key({"files": {"requirements.in": "demo\n"}}) != edited


def test_a_damaged_stored_answer_is_ignored(tmp_path):
    cache = DirectoryCache(tmp_path)
    cache.set("answer:k", b"{not json")
    assert answers.replay(cache, "k") is None
    cache.set("answer:k", json.dumps({"footing": {}, "report": [], "exit_code": 0}).encode())
    assert answers.replay(cache, "k") is None


def test_a_missing_project_is_rested_on_as_missing(tmp_path):
    cache = DirectoryCache(tmp_path)
    missing = pageentry.entry(2e9, {}, None)[0]
    cache.set("page:x/gone/", missing)
    answer = answers.Answer({"stats": {}}, {"page:x/gone/": ""}, 1)  # type: ignore[typeddict-item]
    answers.store(cache, "k", answer)
    fresh, stale = answers.replay(cache, "k", now=1e9), answers.replay(cache, "k", now=3e9)
    assert fresh is not None and fresh.stale == {}
    assert stale is not None and stale.stale == {"page:x/gone/": ""}  # to be asked: it may exist by now
    cache.set("page:x/gone/", pageentry.entry(2e9, {}, {"files": [], "meta": {}})[0])
    assert answers.replay(cache, "k", now=1e9) is None  # it exists now


def test_a_stale_page_the_index_no_longer_has_means_resolving_again(tmp_path, root):
    with serve_index(root, page_headers=ALWAYS_ASK) as server:
        resolve(tmp_path, server.simple_url)
        (root / "simple" / "dep" / "index.json").unlink()
        code, again = resolve(tmp_path, server.simple_url)
    assert "stored_answer" not in again["stats"] and code == 1  # dep is missing now: not the stored answer
