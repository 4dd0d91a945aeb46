"""On the snapshot, an answer that rests on what it does not hold says so instead of "conflict".

Each case resolves the same input on the source index (the truth) and on a bundle of it taken
with a version cap of 2: where the source resolves, the bundle must not claim a conflict.
"""

from __future__ import annotations

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.snapshot import bundle
from resolver.snapshot.collect import Scope, collect
from tests.support.server import serve_index
from tests.support.universe import Universe, build_index

UNIVERSE: Universe = {
    "flask": {"2.0.0": {"requires": ["werkzeug>=2.0"]}, "2.3.2": {"requires": ["werkzeug>=2.3"]}, "3.0.0": {}},
    "werkzeug": {"2.0.0": {}, "2.3.0": {}, "3.0.0": {}},
    "django": {"1.11.29": {}, "3.2.25": {}},
    "djangorestframework": {
        "3.11.0": {"requires": ["django>=1.11"]},
        "3.12.0": {"requires": ["django>=2.2"]},
        "3.15.0": {"requires": ["django>=3.0"]},
    },
    "not-seeded": {"1.0": {}},
    "cms": {
        "1.0": {"requires": ["django<1.0"]},
        "2.0": {"requires": ["django<2.0"]},
        "3.0": {"requires": ["django<3.0"]},
    },
}


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("gaps")
    build_index(root / "source", UNIVERSE)
    with serve_index(root / "source") as server:
        with IndexClient([server.simple_url]) as client:
            snapshot = collect(client, ["flask", "django", "djangorestframework", "cms"], Scope(max_versions=2))
        yield server.simple_url, bundle.write_tree(snapshot, root / "bundle").as_uri() + "/"


def resolve_on(url: str, text: str) -> dict:
    with IndexClient([url]) as client:
        return resolve({"requirements.in": text}, index=client, target=Target("3.11"), index_name="test")  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("flask==2.0\n", "left out versions that do (2.0.0)"),  # a version beyond the cap
        ("not-seeded\n", "not-seeded is not in the bundled snapshot"),  # a project never followed
        ("django==1.11.29\ndjangorestframework\n", "left out older versions of djangorestframework (3.11.0)"),
    ],
    ids=["dropped-version", "project-not-held", "older-parent-left-out"],
)
def test_an_answer_resting_on_a_gap_is_cannot_tell_not_conflict(indexes, text: str, missing: str) -> None:
    source, bundled = indexes
    assert resolve_on(source, text)["status"] == "resolved"
    report = resolve_on(bundled, text)
    assert report["status"] == "error"
    assert report["gaps"]["message"].startswith("Cannot tell on the bundled snapshot")
    said = [item["gap"] for item in report["diagnoses"] + report["conflicts"] if "gap" in item]
    assert any(missing in gap for gap in said), said
    assert report["input"]["index_coverage"].startswith("bundled snapshot: ")


def test_a_real_conflict_inside_the_snapshot_stays_a_conflict(indexes) -> None:
    source, bundled = indexes
    text = "django==1.11.29\ndjangorestframework>=3.12\n"
    on_source, on_bundle = resolve_on(source, text), resolve_on(bundled, text)
    assert on_source["status"] == on_bundle["status"] == "conflict"
    assert "gaps" not in on_bundle and not any("gap" in c for c in on_bundle["conflicts"])
    assert on_bundle["conflicts"][0]["package"] == "django"


def test_a_clash_whose_older_parents_ask_ever_less_of_what_is_needed_stays_a_conflict(indexes) -> None:
    # cms 1.0 is left out, but the older a cms, the older the Django it asks for: away from 3.2.
    source, bundled = indexes
    on_source, on_bundle = resolve_on(source, "django==3.2.25\ncms\n"), resolve_on(bundled, "django==3.2.25\ncms\n")
    assert on_source["status"] == on_bundle["status"] == "conflict"
    assert "gaps" not in on_bundle


def test_a_complete_index_never_gets_a_gap(indexes) -> None:
    source, _bundled = indexes
    report = resolve_on(source, "flask==1.0\n")
    assert report["status"] == "conflict" and "gaps" not in report and "index_coverage" not in report["input"]
