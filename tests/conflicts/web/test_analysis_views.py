"""The report page's explanations (issue 7), rendered from reports the real engine made on small
indexes whose answers are known by construction; and the form's analysis options.

The universe below has two independent conflicts (django pinned below what djangocms-blog asks;
celery 4 asking for an older kombu than the input allows), fillers that take no part, a conflict
no single change can fix (two parents on each side), packages that need a newer Python, and upload
times (PEP 700) for reproducing a report as of a date.
"""

from __future__ import annotations

import html as html_module
import re

import pytest

from conflicts.jobs.run import run_report
from conflicts.models import Report, Status
from tests.support.fixtures import ANALYSIS_UNIVERSE as UNIVERSE
from tests.support.fixtures import NO_SINGLE_FIX, TWO_CONFLICTS
from tests.support.universe import build_index

pytestmark = pytest.mark.django_db

FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "analysis index"}


def text(html: str) -> str:
    """The page's text with tags and runs of white space collapsed, for reading sentences."""
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# The form.


def test_the_form_stores_extra_targets_as_of_and_used_to_resolve_on(client, analysis_index) -> None:
    response = client.post(
        "/",
        {
            **FORM,
            "text": "django\n",
            "targets": "3.8 win_amd64\n# a comment\n\n3.12/any\n3.9\n",
            "exclude_newer": "2024-05-01 12:30",
            "good_date": "2023-01-15",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Report.objects.get().options == {
        "targets": [
            {"python_version": "3.8", "platform": "win_amd64"},
            {"python_version": "3.12", "platform": "any"},
            {"python_version": "3.9", "platform": "manylinux_2_28_x86_64"},  # the main target's platform
        ],
        "exclude_newer": "2024-05-01T12:30:00Z",
        "good_date": "2023-01-15",
    }


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"targets": "3.12 any win_amd64\n"}, "line 1: '3.12 any win_amd64' is not 'PYTHON PLATFORM'"),
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


# Reports made by the real engine.


def test_the_smallest_clashing_lines_come_first_then_every_conflict_with_its_matrix_and_fixes(client, analysed) -> None:
    report = analysed(TWO_CONFLICTS)
    assert report.status == Status.CONFLICT
    body = client.get(f"/r/{report.id}/").content.decode()
    page = text(body)
    minimal = report.result["minimal_lines"]
    assert minimal["message"] == "These 2 of your 7 lines conflict"
    assert body.index("These 2 of your 7 lines conflict") < body.index('class="card conflict"')
    for line in minimal["lines"]:
        assert f"{line['file']}:{line['line']} {line['text']}" in page
    # Both independent conflicts, each with its own card.
    cards = re.findall(r'<section class="card conflict"[^>]*data-package="([^"]+)"', body)
    assert sorted(cards) == ["django", "kombu"]
    assert "2 independent conflicts, each needs its own change" in page
    # The answer first: one plain sentence per conflict (each parent version's own requirement, in
    # ranges), the best fix for each, all before the details; no sentence false for the whole file.
    assert body.index('id="answer"') < body.index('class="card conflict"')
    assert "<h1>2 conflicts stop your requirements from resolving</h1>" in body
    assert "djangocms-blog 1.1.0\N{EN DASH}1.2.0 ask for django>2.0; you pin django==1.11.29 on line 1." in page
    assert "celery 4.4.7 asks for kombu<4.7,>=4.6.10; you ask for kombu>=5 on line 7." in page
    assert "the rest resolve" not in page  # false here: the other conflict remains
    best = re.findall(r'<li class="fix best-fix"[^>]*>.*?</li>', body, re.S)
    assert len(best) == 2  # one per conflict
    assert "<title>2 conflicts · Conflict Explorer</title>" in body
    # The matrix: celery 4.4.7 accepts kombu 4.6.11 and rejects 5.3.0, by symbol and by words.
    table = re.search(r'<table class="compat">(?:(?!</table>).)*data-parent="celery".*?</table>', body, re.S).group(0)
    columns = re.findall(r'<th scope="col" class="v"><span class="sr">kombu </span>([^<]+)</th>', table)
    assert columns == ["5.3.0", "4.6.11"]
    celery = text(re.search(r'<tbody data-parent="celery">.*?</tbody>', table, re.S).group(0))
    assert "celery 4.4.7 <4.7,>=4.6.10 ✗ rejects ✓ accepts" in celery
    assert "requirements.in:7 >=5 ✓ accepts ✗ rejects" in text(table)  # the user's own line
    assert 'title="celery 4.4.7 rejects kombu 5.3.0"' in table
    # Proven fixes: the diff as styled lines, and the pins it leads to, said as what they do.
    assert "Upgrade django 1.11 → 5.0, major: django==1.11.29 → django&gt;2.0 (requirements.in:1)" in body
    assert '<span class="d-remove">-django==1.11.29</span>' in body
    assert '<span class="d-add">+django==2.2.28</span>' in body
    assert "--- a/requirements.in" not in body  # the diff's file header is the caption above it
    assert '<span class="d-name">requirements.in</span>' in body
    assert "Upgrade django 1.11 → 2.2, major: django==1.11.29 → django==2.2.28" in page
    assert "django 1.11.29 2.2.28" in page  # the pin change: was heading for, with this fix
    assert "Resulting pins: 1 version moves, 4 added" in page
    loosen = "✓ fixes this conflict Upgrade django 1.11 → 5.0, major: django==1.11.29 → django>2.0 (requirements.in:1)"
    assert loosen + " (another conflict remains)" in page
    # Least disturbing first: 1.11 -> 2.2 before 1.11 -> 5.0, and dropping a line after both.
    django = page[page.index("Proven fixes for django") :]
    assert django.index("1.11 → 2.2") < django.index("1.11 → 5.0") < django.index("Drop djangocms-blog")


def test_no_single_change_fixes_this_when_every_one_line_change_still_fails(client, analysed) -> None:
    report = analysed(NO_SINGLE_FIX)
    conflict = report.result["conflicts"][0]
    assert (conflict["fix_status"], conflict["fixes"]) == ("none", [])
    page = text(client.get(f"/r/{report.id}/").content.decode())
    assert "No single change fixes this." in page
    assert f"All {conflict['fix_candidates']} one-line changes tried (each re-resolved) still fail" in page
    assert "These 2 of your 4 lines conflict" in page
    assert "Proven fixes for" not in page


def test_a_diff_is_escaped(client, analysed) -> None:
    report = analysed('django==1.11.29; python_version < "4"\ndjangocms-blog\n')
    body = client.get(f"/r/{report.id}/").content.decode()
    assert any(fix["diff"] for fix in report.result["conflicts"][0]["fixes"])
    assert '<span class="d-remove">-django==1.11.29; python_version &lt; &quot;4&quot;</span>' in body
    assert '< "4"' not in body


def test_a_report_stored_before_the_analyses_still_renders(client, analysed) -> None:
    report = analysed(TWO_CONFLICTS)
    v1 = {
        key: value for key, value in report.result.items() if key not in ("minimal_lines", "analysis", "index_read_at")
    }
    v1["conflicts"] = [
        {
            key: value
            for key, value in conflict.items()
            if key in ("package", "specifier", "message", "constraints", "versions")
        }
        for conflict in v1["conflicts"]
    ]
    Report.objects.filter(id=report.id).update(result=v1)
    response = client.get(f"/r/{report.id}/")
    page = text(response.content.decode())
    assert response.status_code == 200
    assert "lines conflict" not in page and "Re-run as of" not in page
    assert "Could not find a version that matches django==1.11.29,>2.0" in page


def test_re_run_as_of_the_index_read_time_ignores_files_uploaded_later(client, analysed, tmp_path, settings) -> None:
    first = analysed("django>2\n")
    assert first.result["pins"]["django"] == "5.0.6"
    read_at = first.result["index_read_at"]
    body = client.get(f"/r/{first.id}/").content.decode()
    assert f'action="/r/{first.id}/as-of/"' in body and "Re-run as of that time" in body
    # A release uploaded after the report read the index (an hour later).
    later = {**UNIVERSE, "django": {**UNIVERSE["django"], "6.0": {"upload_time": _plus_hours(read_at, 1)}}}
    url = build_index(tmp_path / "index-later", later, formats=("json",)).as_uri() + "/"
    settings.RESOLVER_INDEXES = [("analysis index", url)]

    response = client.post(f"/r/{first.id}/as-of/")
    again = Report.objects.exclude(id=first.id).get()
    assert response.status_code == 302 and response["Location"] == f"/r/{again.id}/"
    assert (again.rerun_of_id, again.options) == (first.id, {"exclude_newer": read_at})
    run_report(again.id)
    again.refresh_from_db()
    assert again.result["input"]["exclude_newer"] == read_at
    assert again.result["pins"]["django"] == "5.0.6"  # 6.0 came later: ignored
    page = text(client.get(f"/r/{again.id}/").content.decode())
    assert f"resolved as of {read_at[:10]} {read_at[11:19]} UTC : files uploaded later were ignored" in page
    assert "re-run of an earlier report" in page

    plain = analysed("django>2\n")  # without "as of", the newer release is taken
    assert plain.result["pins"]["django"] == "6.0"
    first.refresh_from_db()
    assert first.result["pins"]["django"] == "5.0.6"  # reports never change


def test_as_of_a_date_from_the_form_resolves_with_what_the_index_had_then(client, analysed) -> None:
    report = analysed("django>2\n", options={"exclude_newer": "2023-06-01T00:00:00Z"})
    assert report.result["pins"] == {"django": "3.2.25"}
    assert report.result["input"]["exclude_newer"] == "2023-06-01T00:00:00Z"


def test_re_run_as_of_needs_a_post_and_a_recorded_read_time(client, analysed) -> None:
    report = analysed("django>2\n")
    assert client.get(f"/r/{report.id}/as-of/").status_code == 405
    Report.objects.filter(id=report.id).update(result={**report.result, "index_read_at": None})
    response = client.post(f"/r/{report.id}/as-of/")
    assert response.status_code == 400
    assert Report.objects.count() == 1


def test_the_what_broke_form_makes_a_linked_report_or_names_the_field(client, analysed) -> None:
    report = analysed(TWO_CONFLICTS)
    body = client.get(f"/r/{report.id}/").content.decode()
    assert f'action="/r/{report.id}/what-broke/"' in body
    response = client.post(f"/r/{report.id}/what-broke/", {"good_date": "next tuesday"})
    assert response.status_code == 400
    assert "good_date: &#x27;next tuesday&#x27; is not a date; use YYYY-MM-DD." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(f"/r/{report.id}/what-broke/", {"good_date": "2023-02-01"})
    linked = Report.objects.exclude(id=report.id).get()
    assert response["Location"] == f"/r/{linked.id}/"
    assert (linked.rerun_of_id, linked.options, linked.files) == (report.id, {"good_date": "2023-02-01"}, report.files)


def _plus_hours(moment: str, hours: int) -> str:
    from datetime import datetime, timedelta

    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00")) + timedelta(hours=hours)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_several_targets_give_a_pass_fail_matrix_with_the_reason_per_cell(client, analysed) -> None:
    targets = [
        {"python_version": "3.8", "platform": "manylinux_2_28_x86_64"},
        {"python_version": "3.12", "platform": "win_amd64"},
    ]
    report = analysed("django>=5\n", options={"targets": targets})
    cells = {(c["python_version"], c["platform"]): c for c in report.result["targets"]["cells"]}
    # django 5 needs Python 3.10 or newer: it resolves for 3.11 and 3.12, not for 3.8.
    assert {key: cell["status"] for key, cell in cells.items()} == {
        ("3.11", "manylinux_2_28_x86_64"): "resolved",
        ("3.8", "manylinux_2_28_x86_64"): "conflict",
        ("3.12", "win_amd64"): "resolved",
    }
    body = client.get(f"/r/{report.id}/").content.decode()
    page = text(body)
    assert "Targets: 2 of 3 resolve" in page
    failing = re.search(r'<td class="cell-conflict" data-target="3.8 manylinux_2_28_x86_64".*?</td>', body, re.S)
    failing = failing.group(0)
    assert "✗ conflict" in text(failing)
    assert cells[("3.8", "manylinux_2_28_x86_64")]["summary"] in text(failing)
    passing = re.search(
        r'<td class="cell-resolved" data-target="3.11 manylinux_2_28_x86_64".*?</td>', body, re.S
    ).group(0)
    assert "✓ resolves (1 package) this report" in text(passing)
    # No cell was asked for 3.8 on Windows: the matrix says so rather than guessing.
    assert re.search(r'<td class="cell-absent" data-target="3.8 win_amd64"', body)


def test_what_broke_names_the_release_after_which_it_no_longer_resolves(client, analysed, settings) -> None:
    """Only app 2.x and mid 2.x were uploaded after the good date (one pair a month, each asking
    for lib>=2 through mid, against the input's lib<2): the backtracking through them grows with
    each release until the round limit stops it, as pip's "resolution too deep" does."""
    settings.RESOLVER_MAX_ROUNDS = 8
    report = analysed("lib<2\napp\n", options={"good_date": "2023-06-01"})
    answer = report.result["what_broke"]
    assert (answer["resolved_then"], answer["resolves_now"]) == (True, False)
    assert answer["broken_by"] and {b["package"] for b in answer["broken_by"]} <= {"app", "mid"}
    broke_at = answer["broken_by"][0]["uploaded"]
    # Checked apart from the bisection: as of that upload it fails, as of the one before it resolves.
    as_of_break = analysed("lib<2\napp\n", options={"exclude_newer": broke_at})
    as_of_last_good = analysed("lib<2\napp\n", options={"exclude_newer": answer["last_good"]})
    assert (as_of_break.result["status"], as_of_last_good.result["status"]) == ("error", "resolved")

    page = text(client.get(f"/r/{report.id}/").content.decode())
    assert "What broke the build since 2023-06-01" in page
    assert answer["message"] in page
    for release in answer["broken_by"]:
        assert f"{release['package']}=={release['version']} {release['uploaded']}" in page
    assert f"It still resolved with the files uploaded up to {answer['last_good']}." in page


def test_a_package_that_installs_nowhere_on_the_target_gets_proven_fixes_too(client, analysed) -> None:
    """newpy needs Python 3.12: dropping its line, or targeting 3.12, resolves; both are proven."""
    report = analysed("six\nnewpy\n")
    diagnosis = report.result["diagnoses"][0]
    assert (diagnosis["kind"], diagnosis["fix_status"]) == ("no_compatible_distribution", "found")
    assert {fix["kind"] for fix in diagnosis["fixes"]} == {"drop_line", "python_version"}
    body = client.get(f"/r/{report.id}/").content.decode()
    card = text(re.search(r'<section class="card diagnosis.*?</section>\s*</section>', body, re.S).group(0))
    assert "✓ resolves Drop newpy (requirements.in:2)" in card
    assert "✓ resolves Target Python 3.12 instead of 3.11 No change to your files: only the target Python." in card
    assert '<span class="d-add">+# newpy</span>' in body
    assert report.result["minimal_lines"]["message"] in text(body)


def test_missing_projects_are_one_card_not_one_conflict(client, analysed) -> None:
    """Issue 14 item 7: 30 names the index lacks were "These 30 of your 31 lines conflict"."""
    report = analysed("six\n" + "".join(f"gone-{n}\n" for n in range(30)))
    body = client.get(f"/r/{report.id}/").content.decode()
    page = text(body)
    assert "lines conflict" not in page and "fails on its own" not in page
    message = "30 projects are not on the index: gone-0, gone-1, gone-2 … (and 27 more)"
    assert f"<h1>{message}</h1>" in body  # the verdict, and the summary the API and the log show
    [card] = re.findall(r'<section class="card diagnosis.*?</section>', body, re.S)  # not 30 cards
    assert message in text(card) and "requirements.in:31 : gone-29" in text(card)
    assert "No project named" not in page
    assert report.result["analysis"]["resolutions"] <= 2


def test_an_explanation_cut_short_by_its_budget_says_so(client, analysed, settings) -> None:
    settings.RESOLVER_ANALYSIS_RESOLUTIONS = 1
    report = analysed(TWO_CONFLICTS)
    analysis = report.result["analysis"]
    assert analysis["complete"] is False and analysis["resolutions"] <= 1
    page = text(client.get(f"/r/{report.id}/").content.decode())
    assert f"The explanation stopped early ({analysis['stopped']})" in page
    assert f"Explanation: {analysis['resolutions']} re-resolution" in page


def test_a_diff_is_read_by_its_hunks_line_counts() -> None:
    """A removed `--pre` line reads `---pre`: it is a removal, not the next file's header."""
    from conflicts.web.analysis_context import _named, diff_lines

    diff = (
        "--- a/requirements.in\n+++ b/requirements.in\n@@ -1,3 +1,3 @@\n django\n---pre\n+# --pre\n x\n"
        "--- a/base.txt\n+++ b/base.txt\n@@ -2 +2 @@\n-a==1\n+a==2\n"
    )
    kinds = [(line["kind"], line["text"]) for line in _named(diff_lines(diff))]
    assert kinds == [
        ("name", "requirements.in"),
        ("hunk", "@@ -1,3 +1,3 @@"),
        ("context", " django"),
        ("remove", "---pre"),
        ("add", "+# --pre"),
        ("context", " x"),
        ("name", "base.txt"),
        ("hunk", "@@ -2 +2 @@"),
        ("remove", "-a==1"),
        ("add", "+a==2"),
    ]
