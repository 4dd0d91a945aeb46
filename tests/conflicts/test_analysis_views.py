"""The report page's explanations (issue 7), rendered from reports the real engine made on small
indexes whose answers are known by construction; and the form's analysis options.

The universe below has two independent conflicts (django pinned below what djangocms-blog asks;
celery 4 asking for an older kombu than the input allows), fillers that take no part, a conflict
no single change can fix (two parents on each side), packages that need a newer Python, and upload
times (PEP 700) for reproducing a report as of a date.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conflicts import services
from conflicts.models import Report
from tests.support.universe import build_index

pytestmark = pytest.mark.django_db

OLD, NEW = "2023-01-10T00:00:00Z", "2024-06-01T00:00:00Z"
UNIVERSE = {
    "django": {
        "1.11.29": {"upload_time": OLD},
        "2.2.28": {"upload_time": OLD},
        "3.2.25": {"upload_time": OLD},
        "5.0.6": {"requires_python": ">=3.10", "upload_time": NEW},
    },
    "djangocms-blog": {
        "1.1.0": {"requires": ["django>2.0"], "upload_time": OLD},
        "1.2.0": {"requires": ["django>2.0"], "upload_time": OLD},
    },
    "celery": {"4.4.7": {"requires": ["kombu<4.7,>=4.6.10"], "upload_time": OLD}},
    "kombu": {"4.6.11": {"upload_time": OLD}, "5.3.0": {"upload_time": OLD}},
    "six": {"1.16.0": {"upload_time": OLD}},
    "pytz": {"2024.1": {"upload_time": OLD}},
    "asgiref": {"3.8.1": {"upload_time": OLD}},
    # z: two parents want it old, two want it new; dropping any one line leaves the clash.
    "z": {"1.0": {"upload_time": OLD}, "2.0": {"upload_time": OLD}},
    "low-a": {"1.0": {"requires": ["z<2"], "upload_time": OLD}},
    "low-b": {"1.0": {"requires": ["z<2"], "upload_time": OLD}},
    "high-a": {"1.0": {"requires": ["z>=2"], "upload_time": OLD}},
    "high-b": {"1.0": {"requires": ["z>=2"], "upload_time": OLD}},
}
TWO_CONFLICTS = "django==1.11.29\ndjangocms-blog\nasgiref\nsix\npytz\ncelery==4.4.7\nkombu>=5\n"
NO_SINGLE_FIX = "low-a\nlow-b\nhigh-a\nhigh-b\n"
FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "analysis index"}


@pytest.fixture
def analysis_index(tmp_path: Path, settings) -> str:
    url = build_index(tmp_path / "index", UNIVERSE, formats=("json",)).as_uri() + "/"
    settings.RESOLVER_INDEXES = [("analysis index", url)]
    return url


@pytest.fixture
def run(analysis_index):
    """Submit and resolve a report through the services (as the worker does), with options."""

    def _run(text: str, *, python_version: str = "3.11", options: dict | None = None) -> Report:
        report = services.submit_report(
            {"requirements.in": text},
            roots=["requirements.in"],
            python_version=python_version,
            platform="manylinux_2_28_x86_64",
            index_name="analysis index",
            options=options or {},
        )
        services.run_report(report.id)
        report.refresh_from_db()
        return report

    return _run


def text(html: str) -> str:
    """The page's text with tags and runs of white space collapsed, for reading sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The form.


def test_the_form_stores_extra_targets_as_of_and_used_to_resolve_on(client, analysis_index) -> None:
    response = client.post(
        "/",
        {
            **FORM,
            "text": "django\n",
            "targets": "3.8 win_amd64\n# a comment\n\n3.12   any\n",
            "exclude_newer": "2024-05-01 12:30",
            "good_date": "2023-01-15",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Report.objects.get().options == {
        "targets": [{"python_version": "3.8", "platform": "win_amd64"}, {"python_version": "3.12", "platform": "any"}],
        "exclude_newer": "2024-05-01T12:30:00Z",
        "good_date": "2023-01-15",
    }


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"targets": "3.12\n"}, "line 1: '3.12' is not 'PYTHON PLATFORM'"),
        ({"targets": "3.8 any\n3.9 linux\n"}, "line 2: platform 'linux' is not a wheel platform tag"),
        (
            {"targets": "3.11 manylinux_2_28_x86_64\n"},
            "line 1: Python 3.11 on manylinux_2_28_x86_64 is already a target",
        ),
        ({"exclude_newer": "yesterday"}, "'yesterday' is not a date or time; use YYYY-MM-DD"),
        ({"exclude_newer": "2999-01-01"}, "is in the future"),
        ({"good_date": "15/01/2023"}, "'15/01/2023' is not a date; use YYYY-MM-DD."),
        ({"good_date": "2023-06-01", "exclude_newer": "2023-01-01"}, "is not before the 'as of' moment 2023-01-01"),
    ],
)
def test_a_bad_option_comes_back_under_its_field_and_the_input_is_kept(client, analysis_index, fields, words) -> None:
    response = client.post("/", {**FORM, "text": "django\n", **fields})
    assert response.status_code == 400
    form = response.context["form"]
    field = next(iter(fields)) if len(fields) == 1 else "good_date"
    assert any(words in error for error in form.errors[field]), form.errors
    body = response.content.decode()
    assert '<details class="more" open>' in body  # the options stay open to fix
    assert Report.objects.count() == 0


def test_edit_and_re_run_keeps_the_options(client, analysis_index) -> None:
    report = Report.objects.create(
        files={"requirements.in": "django\n"}, roots=["requirements.in"], python_version="3.11",
        platform="manylinux_2_28_x86_64", index_name="analysis index",
        options={"targets": [{"python_version": "3.8", "platform": "any"}], "exclude_newer": "2024-05-01T00:00:00Z",
                 "good_date": "2023-01-15"},
    )  # fmt: skip
    form = client.get(f"/r/{report.id}/rerun/").context["form"]
    assert (form.initial["targets"], form.initial["exclude_newer"], form.initial["good_date"]) == (
        "3.8 any",
        "2024-05-01T00:00:00Z",
        "2023-01-15",
    )
