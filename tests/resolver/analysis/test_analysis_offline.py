"""The analyses on the bundled offline index (real metadata of the Django ecosystem), offline.

Pins what they answer for the classic conflicts of the home page's examples, so a change in the
analyses that makes them less useful on real data shows up here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.asof import parse_date
from resolver.index.client import IndexClient
from resolver.output.report import Report
from resolver.snapshot import bundle

BUNDLED = Path(__file__).resolve().parents[3] / "data" / "offline-index.tar.xz"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexClient]:
    simple = bundle.extract(BUNDLED, tmp_path_factory.mktemp("bundled") / "index")
    with IndexClient([simple.as_uri() + "/"]) as index:
        yield index


def run(client: IndexClient, text: str, python: str, **options: object) -> Report:
    return resolve({"requirements.in": text}, index=client, target=Target(python), **options)  # type: ignore[arg-type]


def test_django_1_11_with_a_recent_rest_framework(client: IndexClient) -> None:
    report = run(client, "# A Django 1.11 site\ndjango==1.11.29\ndjangorestframework>=3.12\n", "3.8")
    assert report["status"] == "conflict"
    assert report["minimal_lines"]["message"] == "These 2 of your 2 lines conflict"
    [conflict] = report["conflicts"]
    assert conflict["fix_status"] == "found"
    fixes = {fix["title"].split(":")[0].split(" (")[0]: fix for fix in conflict["fixes"]}
    moved = fixes[
        "Move the pin django==1.11.29 to django==2.2.28, the nearest version some version of each parent accepts"
    ]
    assert moved["files"]["requirements.in"] == "# A Django 1.11 site\ndjango==2.2.28\ndjangorestframework>=3.12\n"
    assert (moved["pins"]["django"], moved["pins"]["djangorestframework"]) == ("2.2.28", "3.13.1")
    older = fixes["Change djangorestframework>=3.12 to djangorestframework==3.11.2"]
    assert older["pins"]["django"] == "1.11.29"
    assert older["pin_changes"]["djangorestframework"] == ["3.15.2", "3.11.2"]
    assert {"Drop django==1.11.29", "Drop djangorestframework>=3.12"} <= set(fixes)
    user, drf = conflict["matrix"]["parents"]
    assert user["label"] == "requirements.in:2"
    rows = {row["version"]: row for row in drf["rows"]}
    column = conflict["matrix"]["versions"].index("1.11.29")
    assert rows["3.11.2"]["specifier"] == ">=1.11" and rows["3.11.2"]["accepts"][column] is True
    assert rows["3.12.4"]["specifier"] == ">=2.2" and rows["3.12.4"]["accepts"][column] is False
    assert report["analysis"]["complete"] is True


def test_wagtail_4_on_django_5(client: IndexClient) -> None:
    report = run(client, "django>=5.0\nwagtail<5\n", "3.11")
    [conflict] = report["conflicts"]
    titles = [fix["title"] for fix in conflict["fixes"]]
    assert "Loosen django>=5.0 to django<4.2,>=3.2 (requirements.in:1)" in titles
    nearest = [f for f in conflict["fixes"] if f["title"].startswith("Change wagtail<5 to wagtail==5.2.")]
    assert nearest and nearest[0]["pins"]["django"].startswith("5.0.")


def test_as_of_a_date_on_real_upload_times(client: IndexClient) -> None:
    report = run(client, "djangorestframework\n", "3.8", exclude_newer=parse_date("2019-06-01"))
    assert report["pins"]["djangorestframework"] == "3.9.4"
    assert report["input"]["exclude_newer"] == "2019-06-01T23:59:59Z"
