"""Benchmark: our engine against pip (and uv, `bench.uv`) on real requirement sets, served from the bundled index.

    python -m bench [--latency-ms 0,30] [--runs 3] [--only NAME] [--no-pip] [--no-uv]

Why it is built this way:

- The index data is the bundled offline index (`data/offline-index.tar.xz`), unpacked once and served
  over loopback HTTP with an optional latency per request, so both tools pay the same per-request
  cost a real index would charge, and the numbers do not depend on the network or on the day.
- Each measurement is a fresh process for both tools (`manage.py resolve` and `pip install
  --dry-run --report`), because start-up is part of what a user waits for; the two tools
  alternate run by run so that drift on the machine (other jobs, thermal) hits both alike.
- Cold means an empty cache directory for each run; warm means a cache filled by an untimed run
  just before. Medians, because a single slow run on a shared 2-CPU machine is noise. A warm run
  of ours gives back the answer the cold run stored (`resolver.index.answers`), as the same
  question asked again does; *rewarm* times ours resolving again from the warm cache
  (`--no-stored-answer`), which is what a changed input costs.
- Peak memory comes from `wait4` on each child, so it is that process's own high-water mark and
  not the maximum of every child the harness ever started.
- pip is told `--trusted-host 127.0.0.1`, as anyone serving an internal index over plain HTTP
  does: without it pip's HTTP cache is off for http:// and its warm runs would be cold ones.
- Our modules are byte-compiled once before the first run, because the children run with
  PYTHONDONTWRITEBYTECODE (so that the harness leaves no `__pycache__` behind it) and an
  installed pip runs from the byte code its installation wrote: without this our every run would
  compile the engine from source, which no installed or once-run checkout does.
- Both tools target the interpreter pip runs on (its full X.Y.Z, since pip uses the running
  interpreter's patch release where our `--python-version X.Y` would mean X.Y.0).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bench.server import BenchServer, serve
from bench.uv import uv_binary, uv_command, uv_env

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = HERE / "corpus"
RESULTS = HERE / "results" / "latest.json"
ARCHIVE = REPO / "data" / "offline-index.tar.xz"
PLATFORM = "manylinux_2_28_x86_64"
TIMEOUT = 600  # seconds per run: a hung resolver must not hang the benchmark


@dataclass
class Run:
    tool: str
    latency_ms: int
    mode: str  # cold | warm | rewarm (ours only: warm cache, stored answer not used)
    seconds: float
    exit_code: int
    peak_rss_kb: int
    requests: int  # counted at the server
    reported_requests: int | None = None  # ours: from the report's stats
    cache_hits: int | None = None  # ours: from the report's stats


@dataclass
class InputResult:
    name: str
    packages: int | None = None  # pins in our report when it resolved
    ours_exit: int | None = None
    pip_exit: int | None = None
    pip_packages: int | None = None
    pins_differ: list[str] | None = None  # "name ours-version pip-version" where both resolved
    agree: bool | None = None
    pins_satisfy: bool | None = None
    violations: list[str] = field(default_factory=list)
    note: str = ""
    runs: list[Run] = field(default_factory=list)


def target_version() -> str:
    """The interpreter's full version: what pip resolves for when it runs on it."""
    return platform.python_version()


def run_measured(command: list[str], stdout_path: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Run `command`, return (wall seconds, exit code, peak RSS in KiB of that child)."""
    with open(stdout_path, "wb") as out, open(stdout_path.with_suffix(".err"), "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        deadline = started + TIMEOUT
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    return seconds, process.returncode, int(usage.ru_maxrss)


# pip stops at the first clash; our explanations of a failure (the smallest clash, every conflict,
# proven fixes) re-resolve the input many times. Timed apart unless --with-analysis is given, so both
# tools do the same work.
OURS_EXTRA_ARGS = ["--no-analysis"]


def ours_command(file: Path, index_url: str, cache_dir: Path, mode: str = "cold") -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "resolve",
        str(file),
        "--index-url",
        index_url,
        "--format",
        "json",
        "--python-version",
        target_version(),
        "--platform",
        PLATFORM,
        "--cache-dir",
        str(cache_dir),
        *OURS_EXTRA_ARGS,
        *(["--no-stored-answer"] if mode == "rewarm" else []),
    ]


def pip_command(file: Path, index_url: str, report: Path, cache_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "--isolated",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--report",
        str(report),
        "--index-url",
        index_url,
        "--trusted-host",  # pip caches plain-http answers only from a trusted host; loopback is one
        "127.0.0.1",
        "-r",
        str(file),
        "--quiet",
        "--disable-pip-version-check",
        "--cache-dir",
        str(cache_dir),
    ]


def child_env() -> dict[str, str]:
    """The environment without anything that would point either tool at another index or config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def marker_applies(marker: str | None, python: str) -> bool:
    """Whether a dependency's marker holds for the target, with no extra asked for."""
    if not marker:
        return True
    try:
        return Marker(marker).evaluate(
            {"python_version": ".".join(python.split(".")[:2]), "python_full_version": python, "extra": ""}
        )
    except InvalidMarker:
        return True


def check_pins(report: dict[str, Any]) -> list[str]:
    """Every requirement on an edge of the resolved graph, checked against the pins with packaging.

    The engine's own checks are not trusted here: this is the independent look the issue asks for.
    """
    pins = {name: Version(version) for name, version in report.get("pins", {}).items()}
    python = report.get("input", {}).get("python_version") or target_version()
    violations = []
    for edge in report.get("graph", {}).get("edges", []):
        name, specifier = edge["target"], edge.get("specifier") or ""
        if not marker_applies(edge.get("marker"), python):
            continue
        if name not in pins:
            violations.append(f"{edge.get('source')} needs {name}{specifier}: not pinned")
            continue
        try:
            if not SpecifierSet(specifier).contains(pins[name], prereleases=True):
                violations.append(f"{edge.get('source')} needs {name}{specifier}: pinned {pins[name]}")
        except (InvalidSpecifier, InvalidVersion) as error:
            violations.append(f"{name}: cannot check {specifier!r}: {error}")
    return violations


def fresh_cache(work: Path, warm_cache: Path) -> Path:
    """An empty cache directory that, once the cold run has filled it, becomes the warm cache.

    So a cold run is exactly "empty cache" for both tools (pip's included, rather than
    `--no-cache-dir`, which would also skip pip's cache writes and flatter it), and the warm runs
    reuse what the last cold run wrote, with no untimed priming run to pay for.
    """
    shutil.rmtree(warm_cache, ignore_errors=True)
    warm_cache.mkdir(parents=True)
    return warm_cache


def compare_pins(ours: dict[str, str], pip_report: dict[str, Any]) -> list[str]:
    """Where both tools resolved: the projects pinned differently, or by one tool only."""
    theirs = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in pip_report.get("install", [])
    }
    mine = {canonicalize_name(name): version for name, version in ours.items()}
    return [
        f"{name} {mine.get(name, '-')} {theirs.get(name, '-')}"
        for name in sorted(mine.keys() | theirs.keys())
        if Version(mine.get(name, "0")) != Version(theirs.get(name, "0")) or (name in mine) != (name in theirs)
    ]


def measure_ours(
    file: Path, server: BenchServer, work: Path, mode: str, warm_cache: Path, latency_ms: int
) -> tuple[Run, dict[str, Any] | None]:
    cache = warm_cache if mode != "cold" else fresh_cache(work, warm_cache)
    out = work / "ours.json"
    server.take_count()
    seconds, code, rss = run_measured(ours_command(file, server.simple_url, cache, mode), out, child_env())
    requests = server.take_count()
    report = read_json(out)
    stats = (report or {}).get("stats", {})
    if report is None and code in (0, 1):
        code = 3  # a crash (traceback, no JSON) must not pass for a verdict
    run = Run("ours", latency_ms, mode, seconds, code, rss, requests, stats.get("requests"), stats.get("cache_hits"))
    return run, report


def measure_pip(
    file: Path, server: BenchServer, work: Path, mode: str, warm_cache: Path, latency_ms: int
) -> tuple[Run, dict[str, Any] | None]:
    out = work / "pip-report.json"
    out.unlink(missing_ok=True)
    server.take_count()
    cache = warm_cache if mode == "warm" else fresh_cache(work, warm_cache)
    command = pip_command(file, server.simple_url, out, cache)
    seconds, code, rss = run_measured(command, work / "pip.out", child_env())
    requests = server.take_count()
    return Run("pip", latency_ms, mode, seconds, code, rss, requests), read_json(out)


def measure_uv(
    file: Path, server: BenchServer, work: Path, mode: str, warm_cache: Path, latency_ms: int, uv: str
) -> Run:
    server.take_count()
    cache = warm_cache if mode == "warm" else fresh_cache(work, warm_cache)
    command = uv_command(uv, file, server.simple_url, target_version())
    seconds, code, rss = run_measured(command, work / "uv.out", uv_env(child_env(), cache))
    return Run("uv", latency_ms, mode, seconds, code, rss, server.take_count())


def bench_input(
    file: Path, archive_root: Path, latencies: list[int], runs: int, use_pip: bool, uv: str | None = None
) -> InputResult:
    result = InputResult(name=file.stem)
    report_pins: dict[str, str] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        for latency_ms in latencies:
            with serve(archive_root, latency=latency_ms / 1000) as server:
                ours_warm, pip_warm = work / f"ours-warm-{latency_ms}", work / f"pip-warm-{latency_ms}"
                uv_warm = work / f"uv-warm-{latency_ms}"
                for mode in ("cold", "warm"):
                    for _ in range(runs):
                        run, report = measure_ours(file, server, work, mode, ours_warm, latency_ms)
                        result.runs.append(run)
                        if result.ours_exit is None:
                            result.ours_exit = run.exit_code
                            if report and run.exit_code == 0:
                                report_pins = report.get("pins", {})
                                result.packages = len(report_pins)
                                result.violations = check_pins(report)
                                result.pins_satisfy = not result.violations
                            elif report and run.exit_code != 0:
                                first = (report.get("diagnoses") or report.get("conflicts") or [{}])[0]
                                result.note = str(first.get("message", ""))[:160]
                        if use_pip:
                            run, pip_report = measure_pip(file, server, work, mode, pip_warm, latency_ms)
                            result.runs.append(run)
                            if result.pip_exit is None:
                                result.pip_exit = run.exit_code
                                if pip_report is not None:
                                    result.pip_packages = len(pip_report.get("install", []))
                                    if report_pins is not None:
                                        result.pins_differ = compare_pins(report_pins, pip_report)
                        if uv:
                            result.runs.append(measure_uv(file, server, work, mode, uv_warm, latency_ms, uv))
                        if mode == "warm":
                            result.runs.append(measure_ours(file, server, work, "rewarm", ours_warm, latency_ms)[0])
                        shown = result.runs[-(1 + use_pip + bool(uv) + (mode == "warm")) :]
                        print(
                            f"  {file.stem} {latency_ms} ms {mode}: "
                            + ", ".join(f"{r.tool}{' rewarm' * (r.mode == 'rewarm')} {r.seconds:.2f}s" for r in shown),
                            file=sys.stderr,
                            flush=True,
                        )
    if result.ours_exit is not None and result.pip_exit is not None:
        result.agree = (result.ours_exit == 0) == (result.pip_exit == 0)
    return result


def median(result: InputResult, tool: str, latency_ms: int, mode: str, attribute: str = "seconds") -> float | None:
    values = [
        getattr(r, attribute)
        for r in result.runs
        if r.tool == tool and r.latency_ms == latency_ms and r.mode == mode and getattr(r, attribute) is not None
    ]
    return statistics.median(values) if values else None


def summary(result: InputResult, latencies: list[int]) -> dict[str, Any]:
    """The medians per latency and mode, as written to the JSON and the table."""
    cells: dict[str, Any] = {}
    for latency_ms in latencies:
        for mode in ("cold", "warm", "rewarm"):
            ours = median(result, "ours", latency_ms, mode)
            theirs = "warm" if mode == "rewarm" else mode  # pip and uv against ours resolving again
            pip = median(result, "pip", latency_ms, theirs)
            uv = median(result, "uv", latency_ms, theirs)
            cells[f"{mode}_{latency_ms}ms"] = {
                "ours_s": ours,
                "pip_s": pip,
                "ratio": ours / pip if ours is not None and pip else None,
                "uv_s": uv,
                "uv_ratio": ours / uv if ours is not None and uv else None,
                "ours_requests": median(result, "ours", latency_ms, mode, "requests"),
                "pip_requests": median(result, "pip", latency_ms, mode, "requests"),
                "ours_cache_hits": median(result, "ours", latency_ms, mode, "cache_hits"),
            }
    return {
        "cells": cells,
        "ours_peak_rss_mb": max((r.peak_rss_kb for r in result.runs if r.tool == "ours"), default=0) / 1024,
        "pip_peak_rss_mb": max((r.peak_rss_kb for r in result.runs if r.tool == "pip"), default=0) / 1024 or None,
    }


def verdict(code: int | None) -> str:
    return {0: "resolves", 1: "conflict", 2: "cannot tell", None: "-"}.get(code, f"error {code}")


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def markdown(results: list[InputResult], latencies: list[int]) -> str:
    """One row per input and latency: cold and warm medians, the ratio, requests, cache hits, memory."""
    lines = [
        "| input | pkgs | ours / pip verdict | agree | pins ok | same pins as pip | latency"
        " | cold ours / pip (s) | cold ratio"
        " | warm ours / pip (s) | warm ratio | requests cold ours / pip | requests warm ours / pip"
        " | warm cache hits ours"
        " | peak RSS ours / pip (MB) | cold uv (s) | cold ours / uv | warm uv (s) | warm ours / uv"
        " | rewarm ours (s) | rewarm / pip warm |",
        "|---|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        data = summary(result, latencies)
        for latency_ms in latencies:
            cold, warm = data["cells"][f"cold_{latency_ms}ms"], data["cells"][f"warm_{latency_ms}ms"]
            rewarm = data["cells"][f"rewarm_{latency_ms}ms"]
            agree = {True: "yes", False: "**no**", None: "-"}[result.agree]
            pins = {True: "yes", False: "**no**", None: "-"}[result.pins_satisfy]
            same = (
                "-"
                if result.pins_differ is None
                else "yes"
                if not result.pins_differ
                else (f"{len(result.pins_differ)} differ")
            )
            lines.append(
                f"| {result.name} | {result.packages if result.packages is not None else '-'}"
                f" | {verdict(result.ours_exit)} / {verdict(result.pip_exit)} | {agree} | {pins} | {same}"
                f" | {latency_ms} ms | {fmt(cold['ours_s'])} / {fmt(cold['pip_s'])} | {fmt(cold['ratio'])}"
                f" | {fmt(warm['ours_s'])} / {fmt(warm['pip_s'])} | {fmt(warm['ratio'])}"
                f" | {fmt(cold['ours_requests'], '.0f')} / {fmt(cold['pip_requests'], '.0f')}"
                f" | {fmt(warm['ours_requests'], '.0f')} / {fmt(warm['pip_requests'], '.0f')}"
                f" | {fmt(warm['ours_cache_hits'], '.0f')}"
                f" | {fmt(data['ours_peak_rss_mb'], '.0f')} / {fmt(data['pip_peak_rss_mb'], '.0f')}"
                f" | {fmt(cold['uv_s'])} | {fmt(cold['uv_ratio'])} | {fmt(warm['uv_s'])} | {fmt(warm['uv_ratio'])}"
                f" | {fmt(rewarm['ours_s'])} | {fmt(rewarm['ratio'])} |"
            )
    totals = []
    for latency_ms in latencies:
        for mode in ("cold", "warm", "rewarm"):
            ours = [summary(r, latencies)["cells"][f"{mode}_{latency_ms}ms"]["ours_s"] for r in results]
            pip = [summary(r, latencies)["cells"][f"{mode}_{latency_ms}ms"]["pip_s"] for r in results]
            uv = [summary(r, latencies)["cells"][f"{mode}_{latency_ms}ms"]["uv_s"] for r in results]
            if all(v is not None for v in ours + pip) and pip:
                against_uv = f", uv {sum(uv):.1f} s, ours / uv {sum(ours) / sum(uv):.1f}" if all(uv) else ""
                totals.append(
                    f"{mode} {latency_ms} ms: ours {sum(ours):.1f} s, pip {sum(pip):.1f} s,"
                    f" ratio {sum(ours) / sum(pip):.2f}" + against_uv
                )
    if totals:
        lines += ["", "Sum of medians over the corpus: " + "; ".join(totals) + "."]
    lines += _targets(results, latencies)
    return "\n".join(lines)


# The targets, per input on medians of the same run: (mode, latency or None for every latency
# measured, the most ours / pip may be). The sums above are the headline; these say which inputs miss.
TARGETS = [("cold", 30, 1 / 5), ("warm", None, 1 / 10)]


def _targets(results: list[InputResult], latencies: list[int]) -> list[str]:
    """How many inputs meet each target, and which miss it."""
    found = []
    for mode, latency, bound in TARGETS:
        for latency_ms in [latency] if latency is not None else latencies:
            if latency_ms not in latencies:
                continue
            ratios = {r.name: summary(r, latencies)["cells"][f"{mode}_{latency_ms}ms"]["ratio"] for r in results}
            measured = {name: ratio for name, ratio in ratios.items() if ratio is not None}
            missed = sorted(f"{name} {ratio:.2f}" for name, ratio in measured.items() if ratio > bound)
            found.append(
                f"{mode} {latency_ms} ms at most {bound:.2f} of pip's time: {len(measured) - len(missed)} of"
                f" {len(measured)} inputs" + (f" (missed: {', '.join(missed)})" if missed else "")
            )
    memory = [(r.name, summary(r, latencies)) for r in results]
    over = sorted(
        f"{name} {data['ours_peak_rss_mb']:.0f} / {data['pip_peak_rss_mb']:.0f} MB"
        for name, data in memory
        if data["pip_peak_rss_mb"] and data["ours_peak_rss_mb"] > data["pip_peak_rss_mb"]
    )
    measured_memory = sum(1 for _, data in memory if data["pip_peak_rss_mb"])
    found.append(
        f"peak memory at most pip's: {measured_memory - len(over)} of {measured_memory} inputs"
        + (f" (over: {', '.join(over)})" if over else "")
    )
    return ["", "Targets, per input: " + "; ".join(found) + "."]


def prepare_index(archive: Path, directory: Path | None) -> Path:
    """Unpack the bundle once (keyed on its hash) and return the root that holds `simple/`."""
    from resolver.snapshot import bundle

    directory = directory or Path(tempfile.gettempdir()) / "conflict-explorer-bench" / "offline-index"
    return bundle.extract(archive, directory).parent


def compile_engine() -> None:
    """Write the byte code of the engine and the CLI, as pip's installation wrote pip's."""
    import compileall

    for package in ("resolver", "conflicts", "config"):
        compileall.compile_dir(REPO / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", default="0,30", help="comma-separated injected latencies (default 0,30)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool, latency and mode (default 3)")
    parser.add_argument("--only", action="append", help="only this input (file stem; repeat for more)")
    parser.add_argument("--no-pip", action="store_true", help="measure only our engine")
    parser.add_argument("--no-uv", action="store_true", help="leave uv out (it is the second reference)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="directory of *.in files")
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="the offline index archive")
    parser.add_argument("--index-root", type=Path, help="an unpacked index (parent of simple/) to use as is")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument(
        "--with-analysis", action="store_true", help="time our explanations of failures too (pip has none)"
    )
    options = parser.parse_args(argv)
    if options.with_analysis:
        OURS_EXTRA_ARGS.clear()

    latencies = [int(x) for x in options.latency_ms.split(",") if x.strip()]
    files = sorted(options.corpus.glob("*.in"))
    if options.only:
        files = [f for f in files if f.stem in options.only]
        missing = set(options.only) - {f.stem for f in files}
        if missing:
            parser.error(f"no input named {', '.join(sorted(missing))} in {options.corpus}")
    root = options.index_root or prepare_index(options.archive, None)
    compile_engine()
    started = time.perf_counter()
    results = []
    for file in files:
        print(f"{file.stem}", file=sys.stderr, flush=True)
        uv = None if options.no_uv else uv_binary()
        results.append(bench_input(file.resolve(), root, latencies, options.runs, not options.no_pip, uv))
    elapsed = time.perf_counter() - started

    table = markdown(results, latencies)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(
        json.dumps(
            {
                "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
                "python": target_version(),
                "platform": PLATFORM,
                "machine": {"cpus": os.cpu_count(), "system": platform.system(), "release": platform.release()},
                "pip": _pip_version(),
                "latencies_ms": latencies,
                "runs": options.runs,
                "elapsed_s": elapsed,
                "inputs": [{**asdict(r), "summary": summary(r, latencies)} for r in results],
                "table": table,
            },
            indent=2,
        )
        + "\n"
    )
    print(table)
    print(f"\n{len(results)} inputs in {elapsed:.0f} s; results in {os.path.relpath(options.output)}", file=sys.stderr)
    return 0


def _pip_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("pip")
    except Exception:  # informational only: the table does not need it
        return None


if __name__ == "__main__":
    sys.exit(main())
