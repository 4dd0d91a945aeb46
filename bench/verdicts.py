"""Verdicts on real-world requirement sets: our engine against pip and uv on a live index.

    python -m bench.verdicts --cache-dir DIR --results bench/results/verdicts.json \
        [--index-url URL] [--only NAME] [--timeout 240] [--jobs 2] [--tools ours,pip,uv]

Why it is built this way:

- The speed benchmark (`python -m bench`) runs on the bundled offline index, which carries only
  the packages its 12 inputs need. Whether our verdict matches pip's on what people really write
  can only be told on the live index, with its sdist-only releases, its yanked files and its
  metadata quirks; so the index URL is the caller's (`--index-url` or PIP_INDEX_URL) and the
  results are a snapshot of that index on the day, not a regression test.
- pip is the reference. It runs in a venv of its own, made once under the cache directory, with
  PIP_CONFIG_FILE=/dev/null and every PIP_* variable removed: a machine's global pip
  configuration (extra indexes, find-links, constraints) would otherwise decide the verdict. pip
  builds sdists to read their metadata, which we never do; that is why it is the reference and
  not something to copy. uv is a second opinion where it is installed.
- Each tool gets its own cache under the cache directory given, so a re-run after fixes reads the
  same files again without re-downloading them, and nothing leaks between tools.
- Every run has a timeout, and at most two run at a time: the machine's two cores are shared.
- What is written is redacted: the index URL, any URL's host, this checkout's and the cache's
  paths become placeholders, so the results file can be committed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bench.__main__ import check_pins

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPORA = [HERE / "realworld", HERE / "corpus"]
PYTHON = "3.11"
PLATFORM = "manylinux_2_17_x86_64"
UV_PLATFORM = "x86_64-manylinux_2_17"
# Target environment for markers: the CLI's target, on Linux x86-64.
MARKER_ENV = default_environment() | {
    "python_version": PYTHON,
    "python_full_version": f"{PYTHON}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


@dataclass
class ToolRun:
    verdict: str  # resolved | conflict | cannot tell | limit | error | timeout | skipped
    reason: str
    seconds: float
    pins: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None


@dataclass
class FileResult:
    name: str
    source: str  # the file's first comment line: where it comes from
    runs: dict[str, ToolRun] = field(default_factory=dict)
    ours_unsatisfied: list[str] = field(default_factory=list)  # requirements our pins break
    diff_pip: list[str] = field(default_factory=list)  # "name ours pip" where both resolved
    diff_uv: list[str] = field(default_factory=list)
    agree_pip: bool | None = None
    note: str = ""


def clean_env(cache: Path) -> dict[str, str]:
    """The environment with no pip or uv configuration of this machine's in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env |= {"UV_NO_CONFIG": "1", "UV_CACHE_DIR": str(cache / "uv"), "UV_PYTHON_DOWNLOADS": "never"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(command: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str, str, float]:
    """Run to completion or kill the whole process group at the timeout (pip's build children too)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        out, err = process.communicate()
        code = None
    return code, out, err, time.perf_counter() - started


def last_error(text: str) -> str:
    # pip's last error line is a link to its docs; the one naming the packages is more use.
    lines = [line.strip() for line in text.splitlines() if line.strip() and "for help visit" not in line]
    errors = [line for line in lines if line.startswith(("ERROR:", "error:", "\u00d7", "\u2570\u2500\u25b6"))]
    return (errors or lines or [""])[-1][:300]


# -- the three tools -----------------------------------------------------------------------------


def run_ours(file: Path, index_url: str, cache: Path, timeout: float, analysis: bool) -> ToolRun:
    command = [sys.executable, "manage.py", "resolve", str(file), "--index-url", index_url, "--format", "json"]
    command += ["--python-version", PYTHON, "--platform", PLATFORM, "--cache-dir", str(cache / "ours")]
    command += [] if analysis else ["--no-analysis"]
    code, out, err, seconds = run(command, clean_env(cache), timeout)
    if code is None:
        return ToolRun("timeout", f"no answer in {timeout:.0f} s", seconds)
    try:
        report = json.loads(out)
    except ValueError:
        return ToolRun("error", last_error(err) or f"exit {code}, no report", seconds, exit_code=code)
    saved = cache / "ours-reports" / f"{file.stem}.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(out)
    diagnoses = report.get("diagnoses", [])
    if report["status"] == "resolved":
        return ToolRun("resolved", f"{len(report['pins'])} pins", seconds, dict(report["pins"]), code)
    if report["status"] == "conflict":
        first = (report.get("conflicts") or diagnoses or [{"message": "conflict"}])[0]
        return ToolRun("conflict", first["message"], seconds, exit_code=code)
    undecided = [d for d in diagnoses if d["kind"] == "metadata_unavailable" and "severity" not in d]
    if undecided:
        return ToolRun("cannot tell", undecided[0]["message"], seconds, exit_code=code)
    first = diagnoses[0] if diagnoses else {"kind": "error", "message": "status error"}
    verdict = "limit" if first["kind"] == "limit" else "error"
    return ToolRun(verdict, f"{first['kind']}: {first['message']}", seconds, exit_code=code)


def pip_venv(cache: Path, index_url: str) -> Path:
    """A venv of pip alone, at the version this checkout pins, made once per cache directory."""
    home = cache / "pip-venv"
    python = home / "bin" / "python"
    wanted = installed_version("pip")
    stamp = home / "pip-version"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(home, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    command = [str(python), "-m", "pip", "install", "--quiet", "--index-url", index_url, f"pip=={wanted}"]
    subprocess.run(command, env=clean_env(cache), check=True, timeout=300)
    stamp.write_text(wanted)
    return python


def run_pip(file: Path, index_url: str, cache: Path, timeout: float, python: Path) -> ToolRun:
    report_path = cache / "pip-reports" / f"{file.stem}.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.unlink(missing_ok=True)
    command = [str(python), "-m", "pip", "install", "--dry-run", "--ignore-installed", "--report", str(report_path)]
    command += ["-r", str(file), "--index-url", index_url, "--cache-dir", str(cache / "pip"), "--quiet"]
    code, _out, err, seconds = run(command, clean_env(cache), timeout)
    if code is None:
        return ToolRun("timeout", f"no answer in {timeout:.0f} s", seconds)
    if code == 0:
        report = json.loads(report_path.read_text())
        pins = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}
        run_ = ToolRun("resolved", f"{len(pins)} pins", seconds, pins, code)
        run_.reason += built_note(err)
        return run_
    if "ResolutionTooDeep" in err:
        return ToolRun("limit", last_error(err), seconds, exit_code=code)
    if "metadata-generation-failed" in err or "subprocess-exited-with-error" in err:
        return ToolRun("error", "build failed: " + last_error(err), seconds, exit_code=code)
    impossible = ("ResolutionImpossible", "conflicting dependencies", "No matching distribution", "Could not find a")
    if any(text in err for text in impossible):
        return ToolRun("conflict", last_error(err), seconds, exit_code=code)
    return ToolRun("error", last_error(err), seconds, exit_code=code)


def built_note(err: str) -> str:
    return " (built an sdist)" if "Building wheel" in err or "Preparing metadata" in err else ""


def run_uv(file: Path, index_url: str, cache: Path, timeout: float, uv: str) -> ToolRun:
    command = [uv, "pip", "compile", str(file), "--index-url", index_url, "--python-version", PYTHON]
    command += ["--python-platform", UV_PLATFORM, "--no-header", "--no-annotate", "--quiet"]
    code, out, err, seconds = run(command, clean_env(cache), timeout)
    if code is None:
        return ToolRun("timeout", f"no answer in {timeout:.0f} s", seconds)
    if code == 0:
        pins = {}
        for line in out.splitlines():
            name, sep, rest = line.split(";")[0].strip().partition("==")
            if sep:
                pins[canonicalize_name(name.split("[")[0])] = rest.strip()
        return ToolRun("resolved", f"{len(pins)} pins", seconds, pins, code)
    if "No solution found" in err:
        return ToolRun("conflict", last_error(err), seconds, exit_code=code)
    if "Failed to build" in err or "Failed to download and build" in err:
        return ToolRun("error", "build failed: " + last_error(err), seconds, exit_code=code)
    return ToolRun("error", last_error(err), seconds, exit_code=code)


# -- comparing -----------------------------------------------------------------------------------


def root_requirements(file: Path) -> list[Requirement]:
    """The file's own requirement lines (options, URLs and included files are left out)."""
    found = []
    for raw in file.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith(("#", "-")) or "://" in line:
            continue
        try:
            found.append(Requirement(line))
        except InvalidRequirement:
            continue
    return found


def unsatisfied(pins: dict[str, str], requirements: list[Requirement], extras: tuple[str, ...] = ("",)) -> list[str]:
    """The requirements (whose markers hold for the target) that the pins do not satisfy."""
    broken = []
    for requirement in requirements:
        if requirement.marker and not any(requirement.marker.evaluate(MARKER_ENV | {"extra": e}) for e in extras):
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            broken.append(f"{requirement}: not pinned")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            broken.append(f"{requirement}: pinned {pinned}")
    return broken


def check_ours(
    file: Path, ours: dict[str, str], pip_report: dict[str, Any] | None, report: dict[str, Any]
) -> list[str]:
    """Our pins against the input's lines, our own graph, and pip's copy of the metadata we share.

    pip's report carries the Requires-Dist of every release it chose: where we pinned the same
    release, its requirements must hold in our pins too, which checks our metadata reading with
    data we did not produce.
    """
    pins = {canonicalize_name(k): v for k, v in ours.items()}
    broken = unsatisfied(pins, root_requirements(file))
    broken += check_pins(report)
    for item in (pip_report or {}).get("install", []):
        meta = item["metadata"]
        name = canonicalize_name(meta["name"])
        if pins.get(name) != meta["version"]:
            continue
        requires = []
        for text in meta.get("requires_dist", []):
            try:
                requires.append(Requirement(text))
            except InvalidRequirement:
                continue
        extras = ("", *item.get("requested_extras", []))
        broken += [f"{name}=={meta['version']} needs {b}" for b in unsatisfied(pins, requires, extras)]
    return sorted(set(broken))


def diff(ours: dict[str, str], theirs: dict[str, str]) -> list[str]:
    mine = {canonicalize_name(k): v for k, v in ours.items()}

    def same(a: str | None, b: str | None) -> bool:
        try:
            return a is not None and b is not None and Version(a) == Version(b)
        except InvalidVersion:
            return a == b

    names = sorted(mine.keys() | theirs.keys())
    return [f"{n} {mine.get(n, '-')} {theirs.get(n, '-')}" for n in names if not same(mine.get(n), theirs.get(n))]


def auto_note(result: FileResult) -> str:
    """A first category for a disagreement; the write-up refines it by hand."""
    ours, pip = result.runs.get("ours"), result.runs.get("pip")
    if not ours or not pip or result.agree_pip:
        return ""
    if ours.verdict == "cannot tell":
        return "ours cannot tell: " + ours.reason[:160]
    if "limit" in (ours.verdict, pip.verdict):
        return "backtracking/round limit"
    if pip.verdict in ("error", "timeout"):
        return f"pip {pip.verdict}: " + pip.reason[:160]
    return f"ours {ours.verdict}, pip {pip.verdict}"


# -- driving -------------------------------------------------------------------------------------


def source_line(file: Path) -> str:
    first = file.read_text().splitlines()[:1]
    return first[0].lstrip("# ").strip() if first and first[0].startswith("#") else ""


def check_file(file: Path, options: argparse.Namespace, pip_python: Path | None, uv: str | None) -> FileResult:
    result = FileResult(name=f"{file.parent.name}/{file.name}", source=source_line(file))
    cache, timeout = options.cache_dir, options.timeout
    tools = options.tools
    if "ours" in tools:
        result.runs["ours"] = run_ours(file, options.index_url, cache, timeout, options.with_analysis)
    if "pip" in tools and pip_python:
        result.runs["pip"] = run_pip(file, options.index_url, cache, timeout, pip_python)
    if "uv" in tools and uv:
        result.runs["uv"] = run_uv(file, options.index_url, cache, timeout, uv)
    ours, pip, uv_run = result.runs.get("ours"), result.runs.get("pip"), result.runs.get("uv")
    if ours and ours.verdict == "resolved":
        ours_report = json.loads((cache / "ours-reports" / f"{file.stem}.json").read_text())
        pip_report = None
        report_path = cache / "pip-reports" / f"{file.stem}.json"
        if pip and pip.verdict == "resolved" and report_path.exists():
            pip_report = json.loads(report_path.read_text())
        result.ours_unsatisfied = check_ours(file, ours.pins, pip_report, ours_report)
        if pip and pip.verdict == "resolved":
            result.diff_pip = diff(ours.pins, pip.pins)
        if uv_run and uv_run.verdict == "resolved":
            result.diff_uv = diff(ours.pins, uv_run.pins)
    if ours and pip:
        result.agree_pip = ours.verdict == pip.verdict
    result.note = auto_note(result)
    return result


def redactor(options: argparse.Namespace):
    """Placeholders for what must not be committed: the index, any URL's host, this machine's paths."""
    pairs = [(options.index_url.rstrip("/"), "<index>"), (str(options.cache_dir), "<cache>"), (str(REPO), "<repo>")]
    pairs.append((os.path.expanduser("~"), "<home>"))
    host = re.compile(r"\b(https?|file)://[^\s/'\")]*")

    def redact(text: str) -> str:
        for old, new in pairs:
            text = text.replace(old, new)
        text = host.sub(lambda m: f"{m.group(1)}://<host>", text)
        return re.sub(r"(?<![\w<])/(work|root|tmp|opt|etc|home)/\S*", "<path>", text)

    return redact


def cell(run_: ToolRun | None) -> str:
    return "-" if run_ is None else f"{run_.verdict} ({run_.seconds:.0f} s)"


def markdown(results: list[FileResult]) -> str:
    lines = ["| file | ours | pip | uv | pins vs pip | note |", "|---|---|---|---|---|---|"]
    for r in results:
        pins = ""
        if r.diff_pip:
            pins = f"{len(r.diff_pip)} differ"
        elif r.runs.get("ours") and r.runs["ours"].verdict == r.runs.get("pip", r.runs["ours"]).verdict == "resolved":
            pins = "same"
        if r.ours_unsatisfied:
            pins += f"; {len(r.ours_unsatisfied)} unsatisfied"
        flag = "" if r.agree_pip in (True, None) else "**≠** "
        cells = [r.name, flag + cell(r.runs.get("ours")), cell(r.runs.get("pip")), cell(r.runs.get("uv")), pins, r.note]
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    agree = sum(1 for r in results if r.agree_pip)
    compared = sum(1 for r in results if r.agree_pip is not None)
    lines.append("")
    lines.append(f"Same verdict as pip on {agree} of {compared} inputs.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.verdicts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-url", default=os.environ.get("PIP_INDEX_URL"), help="default PIP_INDEX_URL")
    parser.add_argument("--cache-dir", type=Path, required=True, help="caches and pip's venv for this run")
    parser.add_argument("--results", type=Path, required=True, help="JSON path; the Markdown goes beside it (.md)")
    parser.add_argument("--only", action="append", help="only this input (file stem; repeat for more)")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per tool run (default 240)")
    parser.add_argument("--jobs", type=int, default=2, choices=[1, 2], help="inputs checked at once (at most 2)")
    parser.add_argument("--tools", default="ours,pip,uv", help="comma-separated subset of ours,pip,uv")
    parser.add_argument("--pip-python", type=Path, help="a Python whose pip to use (default: a venv made here)")
    parser.add_argument("--with-analysis", action="store_true", help="let our runs explain failures too (slower)")
    parser.add_argument("--corpus", type=Path, action="append", help="directory of *.in/*.txt (default both)")
    options = parser.parse_args(argv)
    if not options.index_url:
        parser.error("no index: pass --index-url or set PIP_INDEX_URL")
    options.tools = set(options.tools.split(","))
    options.cache_dir = options.cache_dir.resolve()
    options.cache_dir.mkdir(parents=True, exist_ok=True)
    files = [f for d in options.corpus or CORPORA for f in sorted(d.glob("*")) if f.suffix in (".in", ".txt")]
    if options.only:
        files = [f for f in files if f.stem in options.only]
    pip_python = options.pip_python
    if "pip" in options.tools and not pip_python:
        pip_python = pip_venv(options.cache_dir, options.index_url)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    versions = {"pip": installed_version("pip"), "uv": installed_version("uv") if uv else None}

    started = time.perf_counter()

    def one(file: Path) -> FileResult:
        result = check_file(file.resolve(), options, pip_python, uv)
        verdicts = ", ".join(f"{t} {r.verdict}" for t, r in result.runs.items())
        print(f"{result.name}: {verdicts}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        results = list(pool.map(one, files))
    elapsed = time.perf_counter() - started

    redact = redactor(options)
    table = redact(markdown(results))
    data = {
        "command": "python -m bench.verdicts " + " ".join(argv if argv is not None else sys.argv[1:]),
        "target": {"python_version": PYTHON, "platform": PLATFORM},
        "tools": versions,
        "timeout_s": options.timeout,
        "elapsed_s": round(elapsed),
        "inputs": [asdict(r) for r in results],
        "table": table,
    }
    options.results.parent.mkdir(parents=True, exist_ok=True)
    options.results.write_text(redact(json.dumps(data, indent=2)) + "\n")
    options.results.with_suffix(".md").write_text(table)
    print(table)
    print(f"{len(results)} inputs in {elapsed:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
