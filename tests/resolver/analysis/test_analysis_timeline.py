"""Resolving as of a date (PEP 700 upload times) and finding the release that broke an input.

Upload times are planted in the test index, so which files a cut-off keeps, and which release
turned a resolving input into a failing one, are known by construction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resolver.analysis.timeline import what_broke
from resolver.environment import Target
from resolver.index.asof import DateError, ExcludeNewer, parse_date, to_iso
from tests.resolver.conftest import IndexFactory, Resolve

DATED = {
    "a": {
        "1.0": {"upload_time": "2024-01-10T08:00:00.123456Z"},
        "2.0": {"upload_time": "2024-06-01T08:00:00Z"},
    },
    "b": {"1.0": {"upload_time": "2024-01-01T00:00:00Z"}},
}


@pytest.mark.parametrize("indexes", ["json-file", "json-http"], indirect=True)
def test_files_uploaded_after_the_cut_off_are_ignored(run_with: Resolve) -> None:
    report = run_with(DATED, "a\nb\n", exclude_newer=parse_date("2024-03-01"))
    assert report["status"] == "resolved"
    assert report["pins"] == {"a": "1.0", "b": "1.0"}
    assert report["input"]["exclude_newer"] == "2024-03-01T23:59:59Z"
    assert not [d for d in report["diagnoses"] if d["kind"] == "exclude_newer"]
    assert run_with(DATED, "a\n")["pins"] == {"a": "2.0"}  # without it the newest is taken
    naive = run_with(DATED, "a\n", exclude_newer=datetime(2024, 6, 1, 7, 59))  # taken as UTC
    assert naive["pins"] == {"a": "1.0"} and naive["input"]["exclude_newer"] == "2024-06-01T07:59:00Z"


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_cut_off_before_every_release_explains_what_is_missing(run_with: Resolve) -> None:
    report = run_with(DATED, "a==2.0\n", exclude_newer=parse_date("2024-03-01T00:00:00Z"))
    assert report["status"] == "conflict"
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "not_found"
    assert "the index has only version 1.0" in diagnosis["message"]


@pytest.mark.parametrize("indexes", ["html-file", "html-http"], indirect=True)
def test_html_pages_have_no_upload_times_so_their_files_are_dropped_and_the_report_says_so(
    run_with: Resolve,
) -> None:
    report = run_with(DATED, "a\n", exclude_newer=parse_date("2030-01-01"), analyse=False)
    assert report["status"] == "conflict"
    assert report["diagnoses"][0]["kind"] == "not_found"  # a has no file left
    [warning] = [d for d in report["diagnoses"] if d["kind"] == "exclude_newer"]
    assert warning["severity"] == "warning"
    assert warning["projects"] == {"a": 2}
    assert "2 files of a had no upload time (PEP 700) and were ignored" in warning["message"]
    assert "HTML pages give no upload times" in warning["message"]


def test_dates_are_read_as_utc_and_bad_ones_name_the_option() -> None:
    assert parse_date("2024-05-01") == datetime(2024, 5, 1, 23, 59, 59, tzinfo=UTC)
    assert parse_date("2024-05-01T12:30:00Z") == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert parse_date("2024-05-01T14:30:00+02:00") == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert parse_date("2024-05-01T12:30:00") == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert to_iso(datetime(2024, 5, 1, 12, 30, 1, 500, tzinfo=UTC)) == "2024-05-01T12:30:01Z"
    assert to_iso(datetime(2024, 5, 1, 12, 30)) == "2024-05-01T12:30:00Z"  # naive is UTC, not local time
    with pytest.raises(DateError, match=r"--exclude-newer: 'last week' is not a date; give YYYY-MM-DD"):
        parse_date("last week", field="--exclude-newer")


def test_the_report_records_when_it_read_the_index(run: Resolve) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    report = run(DATED, "a\n")
    read_at = datetime.fromisoformat(report["index_read_at"].replace("Z", "+00:00"))
    assert before <= read_at <= datetime.now(UTC)


# a: only a pre-release until the final 2.0 arrives on 2024-05-01, asking for b>=2; pip takes a
# pre-release only when no final release matches, so with b pinned at 1.0 that release breaks it.
# Unrelated releases of c and of b bracket it, so the bisection has to choose.
BREAKS = {
    "a": {
        "2.0b1": {"upload_time": "2024-01-10T00:00:00Z"},
        "2.0": {"upload_time": "2024-05-01T00:00:00Z", "requires": ["b>=2"]},
    },
    "b": {"1.0": {"upload_time": "2024-01-01T00:00:00Z"}, "2.0": {"upload_time": "2024-04-01T00:00:00Z"}},
    "c": {
        "1.0": {"upload_time": "2024-01-01T00:00:00Z"},
        "1.1": {"upload_time": "2024-02-15T00:00:00Z"},
        "1.2": {"upload_time": "2024-03-20T00:00:00Z"},
        "1.3": {"upload_time": "2024-06-01T00:00:00Z"},
        "1.4": {"upload_time": "2024-07-01T00:00:00Z"},
    },
}


@pytest.mark.parametrize("indexes", ["json-file", "json-http"], indirect=True)
def test_what_broke_names_the_release(indexes: IndexFactory) -> None:
    client = indexes.client(BREAKS)
    files = {"requirements.in": "a\nb==1.0\nc\n"}
    answer = what_broke(files, index=client, target=Target("3.11"), good_date=parse_date("2024-03-01"))
    assert answer["resolved_then"] is True and answer["resolves_now"] is False
    assert answer["broken_by"] == [{"package": "a", "version": "2.0", "uploaded": "2024-05-01T00:00:00Z"}]
    assert answer["last_good"] == "2024-04-01T00:00:00Z"
    assert answer["message"].startswith(
        "It resolved as of 2024-03-01T23:59:59Z; the release of a 2.0 (2024-05-01T00:00:00Z) broke it: "
        "Could not find a version that matches b==1.0,>=2"
    )
    assert 3 <= answer["resolutions"] <= 6  # then, now, and a bisection over 5 release times


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_what_broke_when_it_did_not_resolve_then_or_still_resolves(indexes: IndexFactory) -> None:
    client = indexes.client(BREAKS)
    target = Target("3.11")
    early = what_broke({"requirements.in": "a==2.0\n"}, index=client, target=target, good_date=parse_date("2024-03-01"))
    assert early["resolved_then"] is False and early["broken_by"] == []
    assert early["message"].startswith("It did not resolve as of 2024-03-01T23:59:59Z either: No version of a")
    fine = what_broke({"requirements.in": "c\n"}, index=client, target=target, good_date=parse_date("2024-03-01"))
    assert fine["resolved_then"] and fine["resolves_now"] and fine["broken_by"] == []
    assert fine["message"].endswith("still resolves: nothing broke it for this target")


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_what_broke_up_to_a_cut_off_instead_of_now(indexes: IndexFactory) -> None:
    client = indexes.client(BREAKS)
    files = {"requirements.in": "a\nb==1.0\nc\n"}
    good, cutoff = parse_date("2024-03-01"), parse_date("2024-04-15")
    before = what_broke(files, index=client, target=Target("3.11"), good_date=good, exclude_newer=cutoff)
    assert before["resolves_now"] is True and before["broken_by"] == []  # a 2.0 came out later
    after = what_broke(files, index=client, target=Target("3.11"), good_date=good, now=parse_date("2024-06-15"))
    assert [(r["package"], r["version"]) for r in after["broken_by"]] == [("a", "2.0")]


class ViewingClient:
    """An index client with `project_view(name, view, view_key)`: the view of the page, memoised by key."""

    def __init__(self, page: dict) -> None:
        self.page, self.memo, self.views = page, {}, 0

    def project_view(self, name: str, view, view_key: str):  # type: ignore[no-untyped-def]
        if (view_key, name) not in self.memo:
            self.views += 1
            self.memo[view_key, name] = view(self.page, name, "test-index")
        return self.memo[view_key, name]


def test_the_cut_off_also_filters_a_view_of_the_page() -> None:
    page = {
        "files": [
            {"filename": "a-1.0-py3-none-any.whl", "upload-time": "2024-01-01T00:00:00Z"},
            {"filename": "a-2.0-py3-none-any.whl", "upload-time": "2024-06-01T00:00:00Z"},
            {"filename": "a-3.0-py3-none-any.whl"},
        ]
    }
    client = ViewingClient(page)

    def names(page: dict, name: str, index_url: str) -> list[str]:
        return [entry["filename"] for entry in page["files"]]

    early = ExcludeNewer(client, parse_date("2024-03-01"))
    assert early.project_view("A", names, "names") == ["a-1.0-py3-none-any.whl"]
    assert (early.without_time, early.newer) == ({"a": 1}, {"a": 1})
    late = ExcludeNewer(client, parse_date("2024-07-01"))
    assert late.project_view("A", names, "names") == ["a-1.0-py3-none-any.whl", "a-2.0-py3-none-any.whl"]
    again = ExcludeNewer(client, parse_date("2024-03-01"))  # the client's memo answers, counts included
    assert again.project_view("A", names, "names") == ["a-1.0-py3-none-any.whl"] and client.views == 2
    assert again.without_time == {"a": 1}
