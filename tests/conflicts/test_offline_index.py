"""The bundled offline index: where it is unpacked, how it becomes the default, the commands.

The last tests resolve real examples against the committed archive, offline: they prove the
bundle works (and pin what it answers for the classic conflicts).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from conflicts.indexes import configured_indexes, default_index_urls
from resolver.index.client import IndexClient
from resolver.snapshot import bundle
from resolver.snapshot.collect import collect
from tests.support.universe import CLASSIC, build_index

BUNDLED = Path(django_settings.BASE_DIR) / "data" / "offline-index.tar.xz"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A small bundle made from the classic universe."""
    simple = build_index(tmp_path / "source", CLASSIC)
    with IndexClient([simple.as_uri() + "/"]) as client:
        snapshot = collect(client, ["django", "djangocms-blog"])
    bundle.write_archive(snapshot, tmp_path / "offline.tar.xz")
    return tmp_path / "offline.tar.xz"


@pytest.fixture
def offline(settings, archive: Path, tmp_path: Path) -> Path:
    """The small bundle configured as the app's, with no PIP_INDEX_URL; returns its directory."""
    settings.RESOLVER_INDEX_URLS = []
    settings.OFFLINE_INDEX_ARCHIVE = str(archive)
    settings.OFFLINE_INDEX_DIR = str(tmp_path / "unpacked")
    return tmp_path / "unpacked"


def today() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d}"


def run_resolve(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("resolve", *args, "--no-cache", stdout=out, stderr=err)
    return exited.value.code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "requirements.in") -> str:
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)


def test_without_pip_index_url_the_bundled_snapshot_is_the_only_index(offline: Path) -> None:
    label = "bundled snapshot: 2 Django-ecosystem projects, newest 60 versions each, taken "
    assert configured_indexes() == [(label + today(), (offline / "simple").as_uri() + "/")]
    assert (offline / "simple" / "django" / "index.json").is_file()


def test_pip_index_url_comes_first_shown_without_its_password(offline: Path, settings) -> None:
    settings.RESOLVER_INDEX_URLS = ["https://user:secret@index.example/simple/"]
    assert configured_indexes() == [
        ("https://****@index.example/simple/", "https://user:secret@index.example/simple/"),
        (configured_indexes()[1].name, (offline / "simple").as_uri() + "/"),
    ]
    assert default_index_urls() == ["https://user:secret@index.example/simple/"]


def test_explicit_resolver_indexes_are_taken_as_they_are(offline: Path, settings) -> None:
    settings.RESOLVER_INDEXES = [("mirror", "https://mirror.example/simple/")]
    assert configured_indexes() == [("mirror", "https://mirror.example/simple/")]
    assert not offline.exists()


def test_a_missing_archive_leaves_the_other_indexes(settings, tmp_path: Path) -> None:
    settings.OFFLINE_INDEX_ARCHIVE = str(tmp_path / "absent.tar.xz")
    settings.RESOLVER_INDEX_URLS = ["https://index.example/simple/"]
    assert configured_indexes() == [("https://index.example/simple/", "https://index.example/simple/")]
    settings.RESOLVER_INDEX_URLS = []
    assert (configured_indexes(), default_index_urls()) == ([], [])


def test_by_default_the_archive_is_unpacked_in_the_user_cache_under_its_hash(
    settings, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    settings.RESOLVER_INDEX_URLS = []
    settings.OFFLINE_INDEX_ARCHIVE = str(archive)
    settings.OFFLINE_INDEX_DIR = None
    digest = bundle.archive_digest(archive)[:16]
    expected = tmp_path / "xdg" / "conflict-explorer" / f"offline-index-{digest}" / "simple"
    assert default_index_urls() == [expected.as_uri() + "/"]
    assert expected.is_dir()


def test_resolve_falls_back_to_the_bundled_index(offline: Path, tmp_path: Path) -> None:
    code, out, _ = run_resolve(write(tmp_path, "django==1.11.29\ndjangocms-blog\n"))
    assert code == 1
    assert "Could not find a version that matches django==1.11.29,>2.0" in out


def test_resolve_with_an_index_url_does_not_unpack_the_bundle(offline: Path, tmp_path: Path) -> None:
    url = build_index(tmp_path / "other", {"a": {"1.0": {}}}).as_uri() + "/"
    code, out, _ = run_resolve(write(tmp_path, "a\n"), "--index-url", url)
    assert (code, "a==1.0" in out) == (0, True)
    assert not offline.exists()


def test_snapshot_index_writes_the_archive_and_its_description(tmp_path: Path, settings) -> None:
    settings.RESOLVER_INDEX_URLS = []
    url = build_index(tmp_path / "source", CLASSIC).as_uri() + "/"
    seeds = write(tmp_path, "# classic\ndjangocms-blog\n", "seeds.txt")
    output = tmp_path / "out" / "bundle.tar.xz"
    out = io.StringIO()
    call_command("snapshot_index", "--index-url", url, "--seeds", seeds, "--output", str(output), stdout=out)
    assert "2 projects, 5 versions, 5 files, 5 metadata files" in out.getvalue()
    description = (tmp_path / "out" / "bundle.txt").read_text()
    assert "Seeds:\n  djangocms-blog\n" in description
    assert str(tmp_path / "source") not in description
    simple = bundle.extract(output, tmp_path / "unpacked")
    assert sorted(p.name for p in simple.iterdir() if p.is_dir()) == ["django", "djangocms-blog"]


def test_snapshot_index_needs_an_index(settings, tmp_path: Path) -> None:
    settings.RESOLVER_INDEX_URLS = []
    with pytest.raises(CommandError, match="no index"):
        call_command("snapshot_index", "--output", str(tmp_path / "x.tar.xz"))


def test_snapshot_index_refuses_a_bad_seed(settings, tmp_path: Path) -> None:
    url = build_index(tmp_path / "source", CLASSIC).as_uri() + "/"
    seeds = write(tmp_path, "django>>1\n", "seeds.txt")
    with pytest.raises(CommandError, match=r"seeds\.txt"):
        call_command("snapshot_index", "--index-url", url, "--seeds", seeds, "--output", str(tmp_path / "x.tar.xz"))


# -- the committed bundle, offline --------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bundled") / "index"
    bundle.extract(BUNDLED, directory)
    return directory


@pytest.fixture
def bundled(settings, bundled_dir: Path) -> Path:
    settings.RESOLVER_INDEX_URLS = []
    settings.OFFLINE_INDEX_ARCHIVE = str(BUNDLED)
    settings.OFFLINE_INDEX_DIR = str(bundled_dir)
    return bundled_dir


def resolve_json(tmp_path: Path, text: str, *args: str) -> tuple[int, dict]:
    code, out, _ = run_resolve(write(tmp_path, text), "--format", "json", *args)
    return code, json.loads(out)


def test_the_bundle_links_only_its_own_files(bundled: Path) -> None:
    for name in ("django", "djangorestframework", "celery", "wagtail", "django-cms"):
        page = json.loads((bundled / "simple" / name / "index.json").read_text())
        assert page["files"] and all(f["url"] == "../../files/" + f["filename"] for f in page["files"])


def test_the_bundle_resolves_a_modern_stack(bundled: Path, tmp_path: Path) -> None:
    text = "django>=5.2,<6\ndjangorestframework\ncelery[redis]\nwagtail\npsycopg[binary]\ngunicorn\n"
    code, report = resolve_json(tmp_path, text)
    assert (code, report["status"]) == (0, "resolved")
    assert report["pins"]["django"].startswith("5.2.")
    assert {"djangorestframework", "celery", "redis", "kombu", "wagtail", "psycopg-binary"} <= set(report["pins"])


def test_the_bundle_explains_django_1_11_against_a_recent_rest_framework(bundled: Path, tmp_path: Path) -> None:
    code, report = resolve_json(tmp_path, "django==1.11.29\ndjangorestframework>=3.12\n")
    assert (code, report["status"]) == (1, "conflict")
    [conflict] = report["conflicts"]
    assert conflict["package"] == "django"
    assert conflict["message"].startswith("Could not find a version that matches django==1.11.29,>=")
    [ours, theirs] = conflict["constraints"]
    assert (ours["specifier"], ours["parent"]) == ("==1.11.29", None)
    assert theirs["parent"].startswith("djangorestframework==3.")


def test_the_bundle_explains_django_1_11_against_django_cms_3_7(bundled: Path, tmp_path: Path) -> None:
    # Every django-treebeard with readable metadata needs a newer Django; the 4.3 releases are
    # sdists only a build can describe, and pip, which builds, resolves with 4.3.1. So the
    # clash is explained, and the verdict is "cannot tell" with treebeard named as the reason.
    code, report = resolve_json(tmp_path, "django==1.11.29\ndjango-cms>=3.7\n")
    assert (code, report["status"]) == (2, "error")
    assert {c["package"] for c in report["conflicts"]} >= {"django"}
    uncertain = [d for d in report["diagnoses"] if d["kind"] == "metadata_unavailable" and "severity" not in d]
    assert [d["package"] for d in uncertain] == ["django-treebeard"]


def test_the_bundle_answers_for_djangocms_blog_on_django_1_11_as_the_live_index_does(
    bundled: Path, tmp_path: Path
) -> None:
    # On the live index, too: every djangocms-blog needs django-taggit-templatetags, whose sdists
    # only their build can describe, so the engine cannot tell (and says so) rather than guess.
    code, report = resolve_json(tmp_path, "django==1.11.29\ndjangocms-blog\n")
    assert (code, report["status"]) == (2, "error")
    unavailable = [d for d in report["diagnoses"] if d["kind"] == "metadata_unavailable"]
    assert "django-taggit-templatetags" in {d["package"] for d in unavailable}


@pytest.mark.slow
def test_pip_installs_from_the_bundle_in_a_dry_run(bundled: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--ignore-installed"]
    command += ["--quiet", "--report", "-", "--index-url", (bundled / "simple").as_uri() + "/", "django==4.2.*"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    installed = {item["metadata"]["name"].lower() for item in json.loads(done.stdout)["install"]}
    assert installed == {"django", "asgiref", "sqlparse"}


@pytest.mark.parametrize(
    ("text", "gap"),
    [
        ("flask==2.0\nwerkzeug>=3\n", "flask is not in the bundled snapshot"),
        ("django==1.4.22\n", "the snapshot left out versions that do (1.4.22)"),
    ],
    ids=["flask-not-held", "django-1.4-left-out"],
)
def test_on_the_bundle_a_gap_is_cannot_tell_and_says_snapshot(
    bundled: Path, tmp_path: Path, text: str, gap: str
) -> None:
    code, report = resolve_json(tmp_path, text)
    assert (code, report["status"]) == (2, "error")
    assert report["input"]["index"].startswith("bundled snapshot: 718 Django-ecosystem projects, newest 60 versions")
    assert any(gap in d.get("gap", "") for d in report["diagnoses"])
    code, out, _ = run_resolve(write(tmp_path, text))
    assert "Cannot tell whether this resolves for Python 3.11 on manylinux_2_28_x86_64 on the bundled snapshot" in out


def test_resolve_with_index_pip_uses_what_pip_names(bundled: Path, tmp_path: Path, monkeypatch) -> None:
    simple = build_index(tmp_path / "pip", CLASSIC)
    monkeypatch.setattr("resolver.index.pipindex.pip_index_urls", lambda: [simple.as_uri() + "/"])
    code, report = resolve_json(tmp_path, "django==1.11.29\n", "--index", "pip")
    assert (code, report["status"]) == (0, "resolved")
    assert report["input"]["index"].startswith("the index pip uses: file://")


def test_a_snapshot_gap_offers_to_resolve_on_an_index_that_holds_everything(
    bundled: Path, settings, tmp_path: Path, client, db
) -> None:
    from conflicts.indexes import offline_choice
    from conflicts.jobs.run import run_report
    from conflicts.jobs.submit import submit_report
    from conflicts.models import Report, Status

    full = build_index(
        tmp_path / "full", {"flask": {"2.0.0": {"requires": ["werkzeug>=2"]}}, "werkzeug": {"3.0.1": {}}}
    )
    settings.RESOLVER_INDEX_URLS = [full.as_uri() + "/"]
    snapshot = offline_choice()
    assert snapshot is not None
    report = submit_report(
        {"requirements.in": "flask==2.0\nwerkzeug>=3\n"},
        roots=["requirements.in"],
        python_version="3.11",
        platform="manylinux_2_28_x86_64",
        index_name=snapshot.name,
    )
    run_report(report.id)
    page = client.get(f"/r/{report.id}/").content.decode()
    assert "<title>Cannot tell on the snapshot" in page and "Not in the snapshot" in page
    assert "Resolve it on" in page
    response = client.post(f"/r/{report.id}/full-index/")
    again = Report.objects.exclude(id=report.id).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/r/{again.id}/")
    assert (again.rerun_of_id, again.index_name) == (report.id, full.as_uri() + "/")
    run_report(again.id)
    again.refresh_from_db()
    assert again.status == Status.RESOLVED and again.result["pins"]["flask"] == "2.0.0"
