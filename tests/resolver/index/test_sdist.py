"""What an sdist declares statically, read without running it: each source, their order, and the bounds."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from resolver.engine import resolve
from resolver.environment import Target
from resolver.errors import MetadataUnavailable
from resolver.index.client import IndexClient, sdist
from resolver.index.dists import DistFile
from resolver.output.text import render_text
from tests.support.server import serve_index
from tests.support.universe import build_index

TAR = DistFile("demo-1.0.tar.gz", "https://x/demo-1.0.tar.gz", "demo", Version("1.0"), "sdist")  # type: ignore[arg-type]
ZIP = DistFile("demo-1.0.zip", "https://x/demo-1.0.zip", "demo", Version("1.0"), "sdist")  # type: ignore[arg-type]
LINUX = Target("3.12", "manylinux_2_28_x86_64")
OLD = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Python: >=3.8\n"
STATIC = "Metadata-Version: 2.2\nName: demo\nVersion: 1.0\nRequires-Dist: from-pkg-info\n"
REQUIRES_TXT = """requests>=2
six

[:python_version < "3.8"]
importlib-metadata

[socks]
pysocks!=1.5.7

[win:sys_platform == "win32" or os_name == "nt"]
pywin32; platform_machine != "arm64"
"""


def archive(files: dict[str, str | bytes], kind: str = "tar", top: str = "demo-1.0/") -> bytes:
    buffer = io.BytesIO()
    items = [(top + path, data.encode() if isinstance(data, str) else data) for path, data in files.items()]
    if kind == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in items:
                out.writestr(name, data)
    else:
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, data in items:
                member = tarfile.TarInfo(name)
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def read(files: dict[str, str | bytes], kind: str = "tar", max_bytes: int = 100_000, **archived):
    return sdist.read_sdist(io.BytesIO(archive(files, kind, **archived)), ZIP if kind == "zip" else TAR, max_bytes)


def refused(files: dict[str, str | bytes], kind: str = "tar", **archived) -> str:
    with pytest.raises(MetadataUnavailable) as caught:
        read(files, kind, **archived)
    return str(caught.value)


# -- egg-info --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_egg_info_requires_txt_sections_become_requires_dist_lines(kind: str) -> None:
    egg = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Python: >=3.9\n"
    metadata = read({"PKG-INFO": OLD, "demo.egg-info/PKG-INFO": egg, "demo.egg-info/requires.txt": REQUIRES_TXT}, kind)
    assert metadata.source == "egg-info"
    assert metadata.requires_dist == (
        "requests>=2",
        "six",
        'importlib-metadata ; python_version < "3.8"',
        'pysocks!=1.5.7 ; extra == "socks"',
        'pywin32 ; (platform_machine != "arm64") and (sys_platform == "win32" or os_name == "nt") and (extra == "win")',
    )
    assert metadata.provides_extras == ("socks", "win")
    assert metadata.requires_python == ">=3.9"  # the egg-info's, before the top PKG-INFO's


def test_the_combined_markers_keep_their_meaning() -> None:
    from packaging.requirements import Requirement

    line = read({"PKG-INFO": OLD, "demo.egg-info/requires.txt": REQUIRES_TXT}).requires_dist[-1]
    marker = Requirement(line).marker
    assert marker is not None
    linux = {"sys_platform": "linux", "os_name": "posix", "platform_machine": "x86_64"}
    windows = {"sys_platform": "win32", "os_name": "nt", "platform_machine": "AMD64"}
    assert marker.evaluate({**windows, "extra": "win"})
    assert not marker.evaluate({**windows, "extra": "socks"})
    assert not marker.evaluate({**linux, "extra": "win"})
    assert not marker.evaluate({**windows, "platform_machine": "arm64", "extra": "win"})


def test_an_egg_info_without_requires_txt_declares_no_dependencies() -> None:
    metadata = read({"PKG-INFO": OLD, "demo.egg-info/PKG-INFO": OLD, "setup.py": "setup(install_requires=x)"})
    assert (metadata.source, metadata.requires_dist, metadata.requires_python) == ("egg-info", (), ">=3.8")


def test_an_egg_info_under_src_named_after_the_project_is_read_and_a_stray_one_is_not() -> None:
    found = read({"PKG-INFO": OLD, "src/demo.egg-info/requires.txt": "dep\n", "src/other.egg-info/requires.txt": "x\n"})
    assert (found.source, found.requires_dist) == ("egg-info", ("dep",))
    assert "no *.egg-info" in refused({"PKG-INFO": OLD, "tests/other.egg-info/requires.txt": "x\n"})


def test_an_invalid_line_in_requires_txt_is_refused_naming_it() -> None:
    reason = refused({"PKG-INFO": OLD, "demo.egg-info/requires.txt": "ok\n\n[x]\nbad >=> 1\n"})
    assert "requires.txt line 4 is not a valid requirement" in reason


# -- precedence ------------------------------------------------------------------------------------------

ALL = {
    "PKG-INFO": OLD,
    "demo.egg-info/requires.txt": "from-egg-info\n",
    "pyproject.toml": '[project]\nname = "demo"\nversion = "1.0"\ndependencies = ["from-pyproject"]\n',
    "setup.cfg": "[options]\ninstall_requires =\n    from-setup-cfg\n",
    "setup.py": "from setuptools import setup\nsetup(name='demo')\n",
}


@pytest.mark.parametrize(
    ("drop", "source", "requirement"),
    [
        ((), "egg-info", "from-egg-info"),
        (("demo.egg-info/requires.txt",), "pyproject", "from-pyproject"),
        (("demo.egg-info/requires.txt", "pyproject.toml"), "setup.cfg", "from-setup-cfg"),
    ],
)
def test_the_most_trusted_source_wins(drop: tuple[str, ...], source: str, requirement: str) -> None:
    metadata = read({path: text for path, text in ALL.items() if path not in drop})
    assert (metadata.source, metadata.requires_dist) == (source, (requirement,))


def test_a_static_pkg_info_wins_over_everything() -> None:
    metadata = read({**ALL, "PKG-INFO": STATIC}, "zip")
    assert (metadata.source, metadata.requires_dist) == ("sdist-pkg-info", ("from-pkg-info",))


def test_a_pkg_info_of_another_project_is_refused_whatever_else_is_there() -> None:
    assert "describes other 1.0, not demo 1.0" in refused({**ALL, "PKG-INFO": OLD.replace("demo", "other")})


# -- pyproject and setup.cfg ---------------------------------------------------------------------------


def test_pyproject_optional_dependencies_become_extras() -> None:
    text = (
        '[project]\nname = "demo"\nversion = "1.0"\nrequires-python = ">=3.10"\ndependencies = ["a>=1"]\n'
        "[project.optional-dependencies]\nfast = [\"b; python_version < '3.12'\"]\n"
    )
    metadata = read({"PKG-INFO": OLD, "pyproject.toml": text})
    assert metadata.requires_dist == ("a>=1", """b ; (python_version < "3.12") and (extra == "fast")""")
    assert (metadata.provides_extras, metadata.requires_python) == (("fast",), ">=3.10")


def test_pyproject_with_dynamic_dependencies_falls_through_and_says_so() -> None:
    text = '[project]\nname = "demo"\ndynamic = ["version", "dependencies"]\n'
    reason = refused({"PKG-INFO": OLD, "pyproject.toml": text, "setup.py": "import os\n"})
    assert "PKG-INFO is Metadata-Version 2.1; no *.egg-info; pyproject.toml lists its dependencies as dynamic" in reason
    assert "setup.py has no setup() call" in reason and reason.endswith("which we never do")


def test_setup_cfg_lists_extras_and_python() -> None:
    cfg = (
        "[options]\npython_requires = >=3.7\ninstall_requires =\n    a>=1\n    # a comment\n"
        "    b; python_version<'3.9'\n\n[options.extras_require]\nx = c\ny =\n    d; sys_platform == 'win32'\n"
    )
    metadata = read({"PKG-INFO": OLD, "setup.cfg": cfg, "setup.py": "import setuptools\nsetuptools.setup()\n"})
    assert metadata.source == "setup.cfg"
    assert metadata.requires_dist == (
        "a>=1",
        "b; python_version<'3.9'",
        'c ; extra == "x"',
        'd ; (sys_platform == "win32") and (extra == "y")',
    )
    assert (metadata.provides_extras, metadata.requires_python) == (("x", "y"), ">=3.7")


def test_a_setup_cfg_that_cannot_be_parsed_is_named_with_its_line() -> None:
    reason = refused({"PKG-INFO": OLD, "setup.cfg": "[options]\ninstall_requires =\n    a\nnot an option\n"})
    assert "setup.cfg cannot be parsed (line 4)" in reason


def test_setup_cfg_reading_a_file_is_not_static() -> None:
    reason = refused({"PKG-INFO": OLD, "setup.cfg": "[options]\ninstall_requires = file: requirements.txt\n"})
    assert "setup.cfg gives install_requires with file:" in reason


# -- setup.py, parsed never run --------------------------------------------------------------------------

SETUP_PY = """
import sys
raise SystemExit("this file must never run")
from setuptools import setup

BASE = ["a>=1", "b"]
EXTRA = ("c",)
TESTS = dict(test=["pytest"], **{})
setup(
    name="demo",
    install_requires=BASE + ["d ; python_version < '3.9'"],
    extras_require={"more": list(EXTRA), ":sys_platform == 'win32'": "e\\nf  # why"},
    python_requires=">=3.8",
)
"""


def test_setup_py_literals_and_module_names_are_read_without_running_it() -> None:
    text = SETUP_PY.replace("list(EXTRA)", "EXTRA").replace('TESTS = dict(test=["pytest"], **{})\n', "")
    metadata = read({"PKG-INFO": "Metadata-Version: 1.0\nName: demo\nVersion: 1.0\n", "setup.py": text}, "zip")
    assert metadata.source == "setup.py"
    assert metadata.requires_dist == (
        "a>=1",
        "b",
        "d ; python_version < '3.9'",
        'c ; extra == "more"',
        'e ; sys_platform == "win32"',
        'f ; sys_platform == "win32"',
    )
    assert (metadata.provides_extras, metadata.requires_python) == (("more",), ">=3.8")


def test_setup_py_keywords_override_setup_cfg() -> None:
    py = "from setuptools import setup\nsetup(install_requires=['from-py'])\n"
    metadata = read({"PKG-INFO": OLD, "setup.cfg": "[options]\ninstall_requires = from-cfg\n", "setup.py": py})
    assert (metadata.source, metadata.requires_dist) == ("setup.py", ("from-py",))


def test_a_setup_py_without_dependencies_declares_none() -> None:
    metadata = read({"PKG-INFO": OLD, "setup.py": "from distutils.core import setup\nsetup(name='demo')\n"})
    assert (metadata.source, metadata.requires_dist, metadata.requires_python) == ("setup.py", (), ">=3.8")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("setup(install_requires=open('r.txt').read().split())", "setup.py computes install_requires (call"),
        ("REQS = ['a']\nREQS.append('b')\nsetup(install_requires=REQS)", "REQS is not a name bound once"),
        ("REQS = ['a']\nif x:\n    REQS = ['b']\nsetup(install_requires=REQS)", "REQS is not a name bound once"),
        ("REQS = ['a']\nREQS += ['b']\nsetup(install_requires=REQS)", "REQS is not a name bound once"),
        ("setup(install_requires=[r for r in x])", "setup.py computes install_requires (listcomp"),
        ("setup(**options)", "setup.py passes **options"),
        ("setup(extras_require={k: ['a'] for k in x})", "setup.py computes extras_require"),
        ("setup(install_requires=['a'], python_requires=version())", "setup.py computes python_requires"),
        ("setup(install_requires=[1, 2])", "install_requires a value of an unexpected type"),
        ("if x:\n    setup()\nelse:\n    setup(install_requires=['a'])", "setup.py has 2 setup() calls"),
        ("print 'python 2'\nsetup()", "setup.py is not Python 3 that can be parsed"),
        ("def main():\n    pass", "setup.py has no setup() call"),
    ],
)
def test_setup_py_that_is_not_literal_is_not_static(body: str, reason: str) -> None:
    assert reason in refused({"PKG-INFO": OLD, "setup.py": "from setuptools import setup\n" + body + "\n"})


def test_a_literal_dict_spread_into_setup_is_read() -> None:
    body = "OPTIONS = {'install_requires': ['a'], 'python_requires': '>=3'}\nsetup(name='demo', **OPTIONS)\n"
    metadata = read({"PKG-INFO": OLD, "setup.py": body})
    assert (metadata.requires_dist, metadata.requires_python) == (("a",), ">=3")


# -- archives: paths, sizes, bombs, early stop ----------------------------------------------------------


def test_files_outside_the_top_directory_or_through_dotdot_are_ignored() -> None:
    evil = {
        "PKG-INFO": OLD,
        "../demo.egg-info/requires.txt": "evil\n",
        "x/../setup.py": "setup(install_requires=['evil'])",
    }
    assert "no *.egg-info" in refused(evil)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        link = tarfile.TarInfo("demo-1.0/PKG-INFO")
        link.type, link.linkname = tarfile.SYMTYPE, "../../outside"
        tar.addfile(link)
    with pytest.raises(MetadataUnavailable, match="no top-level PKG-INFO"):
        sdist.read_sdist(io.BytesIO(buffer.getvalue()), TAR, 10_000)


def test_a_zip_with_two_top_directories_is_refused() -> None:
    data = archive({"demo-1.0/PKG-INFO": STATIC, "other-1.0/PKG-INFO": STATIC}, "zip", top="")
    with pytest.raises(MetadataUnavailable, match="several top directories"):
        sdist.read_sdist(io.BytesIO(data), ZIP, 10_000)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_a_member_over_the_size_limit_is_refused(kind: str) -> None:
    with pytest.raises(MetadataUnavailable, match=r"its setup\.py is larger than 1000 bytes"):
        read({"PKG-INFO": OLD, "setup.py": "#" * 5000}, kind, max_bytes=1000)


def test_a_decompression_bomb_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist, "MAX_SCAN", 1024 * 1024)
    bomb = archive({"padding.bin": b"\0" * (4 * 1024 * 1024), "PKG-INFO": STATIC})
    assert len(bomb) < 20_000
    with pytest.raises(
        MetadataUnavailable, match="gave up reading it at member 1, past 20000 members or 1048576 bytes"
    ):
        sdist.read_sdist(io.BytesIO(bomb), TAR, 100_000)


def test_too_many_members_are_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist, "MAX_MEMBERS", 50)
    files: dict[str, str | bytes] = {f"f{number}.txt": "" for number in range(100)}
    assert "gave up reading it at member 51, past 50 members" in refused({**files, "PKG-INFO": STATIC})


class Counting(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self.inner, self.read_bytes = io.BytesIO(data), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        count = self.inner.readinto(buffer)
        self.read_bytes += count
        return count


def test_a_tar_is_read_only_until_its_answer_is_settled() -> None:
    noise = os.urandom(3 * 1024 * 1024)  # incompressible, after what we need
    data = archive({"PKG-INFO": OLD, "demo.egg-info/requires.txt": "dep\n", "big.bin": noise})
    counting = Counting(data)
    assert sdist.read_sdist(counting, TAR, 100_000).requires_dist == ("dep",)
    assert counting.read_bytes < 200_000 < len(data)


# -- end to end ------------------------------------------------------------------------------------------


def test_a_project_with_only_an_egg_info_sdist_resolves_and_says_where_its_dependencies_came_from(
    tmp_path: Path,
) -> None:
    universe = {
        "app": {"1.0": {"wheel_tags": [], "sdist": True, "sdist_static": "egg-info", "requires": ["lib<2"]}},
        "lib": {"1.0": {}, "2.0": {}},
        "tool": {"3.0": {"wheel_tags": [], "sdist": True, "sdist_static": "setup.py", "sdist_format": "zip"}},
    }
    build_index(tmp_path, universe)
    with serve_index(tmp_path) as server, IndexClient([server.simple_url]) as client:
        report = resolve({"requirements.in": "app\ntool\n"}, index=client, target=LINUX)
    assert report["status"] == "resolved", report["diagnoses"]
    assert report["pins"] == {"app": "1.0", "lib": "1.0", "tool": "3.0"}
    sources = {name: dist["metadata_source"] for name, dist in report["distributions"].items()}
    assert sources == {"app": "egg-info", "lib": "pep658", "tool": "setup.py"}
    assert "(2 pins rest on dependencies their sdists declare (egg-info: app; setup.py: tool), not on a build)" in (
        render_text(report)
    )


def test_an_sdist_with_nothing_static_is_still_set_aside(tmp_path: Path) -> None:
    universe = {"app": {"1.0": {"wheel_tags": [], "sdist": True, "sdist_static": "none", "requires": ["lib"]}}}
    build_index(tmp_path, {**universe, "lib": {"1.0": {}}})
    with IndexClient([(tmp_path / "simple").as_uri() + "/"]) as client:
        report = resolve({"requirements.in": "app\n"}, index=client, target=LINUX)
        project = client.project("app")
        assert project is not None
        with pytest.raises(MetadataUnavailable, match=r"setup.py computes install_requires \(requires is not a name"):
            client.metadata(project.files[0])
    assert (report["status"], report["diagnoses"][0]["kind"]) == ("error", "metadata_unavailable")
