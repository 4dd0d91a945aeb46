"""The answer's sentence for a parent with many versions, on reports the engine made.

When the user's line rules out what every version of a parent asks, the versions are one range
with the weakest requirement ("celery 5.3.0 and later need kombu>=5.3.0 or newer"), not a list of
each version's own specifier; when the user's line does meet some of them, the ranges stay.
"""

from __future__ import annotations

from pathlib import Path

from conflicts.web.answer import conflict_sentence
from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from tests.support.universe import build_index

# Each celery release asks for a kombu of about its own version, with a cap as 5.3 did.
CELERY = {
    "celery": {
        **{f"5.3.{n}": {"requires": [f"kombu<6.0,>=5.3.{n}"]} for n in range(4)},
        "5.4.0": {"requires": ["kombu<6.0,>=5.3.4"]},
        "5.5.0": {"requires": ["kombu<5.6,>=5.5.2"]},
        "5.6.0": {"requires": ["kombu>=5.6.0"]},
    },
    "kombu": {v: {} for v in ("4.6.11", "5.3.0", "5.3.1", "5.3.2", "5.3.3", "5.3.4", "5.5.2", "5.6.0")},
}


def conflict_of(tmp_path: Path, text: str) -> dict:
    client = IndexClient([build_index(tmp_path / "index", CELERY).as_uri() + "/"])
    try:
        report = resolve({"requirements.in": text}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"))
    finally:
        client.close()
    [conflict] = report["conflicts"]
    return conflict


def test_versions_whose_requirements_the_users_line_all_excludes_are_one_range(tmp_path: Path) -> None:
    sentence = conflict_sentence(conflict_of(tmp_path, "celery>=5.3\nkombu<5\n"), True)
    assert sentence == (
        "celery 5.3.0 and later need kombu>=5.3.0 or newer (a newer celery asks for a newer kombu: "
        "5.6.0 needs kombu>=5.6.0); you ask for kombu<5 on line 2."
    )
    assert "5.3.1" not in sentence and "<6.0" not in sentence


def test_ranges_stay_when_the_users_line_meets_some_of_them(tmp_path: Path) -> None:
    conflict = conflict_of(tmp_path, "celery>=5.3\nkombu<5\n")
    # Had the user asked for kombu<5.3.2, celery 5.3.0 and 5.3.1 would meet it: which celery
    # asks for what then matters, so the ranges are not merged into one.
    mine = next(c for c in conflict["constraints"] if c["parent"] is None)
    mine["specifier"], mine["text"] = "<5.3.2", "kombu<5.3.2"
    sentence = conflict_sentence(conflict, True)
    assert "and later need" not in sentence
    assert sentence.startswith("celery 5.3.0 asks for kombu<6.0,>=5.3.0, 5.3.1 asks for kombu<6.0,>=5.3.1")
