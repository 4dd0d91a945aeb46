"""Benchmark: a failed resolution's analyses alone, in this process, on the bundled snapshot.

    python -m bench.analyses [--runs 3] [--profile FILE] [--case two-lines|django-site]

`bench.browser` measures what a user waits for; most of it, for a report with conflicts, is the
analyses, and a browser run is too coarse to tell which of them. This resolves the home page's
examples on a warm index client (as a worker's second report would) and prints the verdict's
time, the finished report's, the number of re-resolutions and a digest of what the analyses
found, so a change that makes them faster can show it found the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.__main__ import ARCHIVE, prepare_index

CASES = {
    "two-lines": ("# A Django 1.11 site\ndjango==1.11.29\ndjangorestframework>=3.12\n", "3.8"),
    "django-site": (
        "django<4\ndjango-filter>=24\ndjangorestframework\ncelery>=5.3\nkombu<5\nredis\nwhitenoise\n"
        "gunicorn\npsycopg2-binary\nsentry-sdk\npillow\ndjango-environ\n",
        "3.11",
    ),
}


def digest(report: dict) -> str:
    """What the analyses concluded, without timings: equal digests, equal verdicts and fixes."""
    kept = {
        "status": report["status"],
        "conflicts": [
            (c["package"], c.get("fix_status"), [f["title"] for f in c.get("fixes", [])]) for c in report["conflicts"]
        ],
        "minimal": [(line["file"], line["line"]) for line in report.get("minimal_lines", {}).get("lines", [])],
        "diagnoses": sorted(d["kind"] + ":" + str(d.get("package")) for d in report["diagnoses"]),
    }
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:12]


def timed(resolve: Callable[..., dict], files: dict[str, str], client: object, target: object) -> tuple:
    """(seconds to the verdict, seconds to the finished report, the report)."""
    seen: list[float] = []
    begun = time.perf_counter()
    report = resolve(files, index=client, target=target, on_verdict=lambda _r: seen.append(time.perf_counter() - begun))
    return (seen or [0.0])[0], time.perf_counter() - begun, report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analyses", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", choices=list(CASES), action="append")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the timed runs here")
    options = parser.parse_args()
    from resolver.engine import resolve
    from resolver.environment import Target
    from resolver.index.cache import MemoryCache
    from resolver.index.client import IndexClient

    url = prepare_index(ARCHIVE, None).joinpath("simple").as_uri() + "/"
    for case in options.case or list(CASES):
        text, python = CASES[case]
        client = IndexClient([url], cache=MemoryCache())
        once = partial(timed, resolve, {"requirements.in": text}, client, Target(python))
        once()  # warms the client, as a worker's earlier reports have
        profiler = None
        if options.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        runs = [once() for _ in range(options.runs)]
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(options.profile)
        report = runs[-1][2]
        analysis = report.get("analysis", {})
        print(
            f"{case}: verdict {statistics.median(r[0] for r in runs):.2f} s, "
            f"finished {statistics.median(r[1] for r in runs):.2f} s, "
            f"{analysis.get('resolutions')} re-resolutions, complete {analysis.get('complete')}, "
            f"digest {digest(report)}"
        )


if __name__ == "__main__":
    main()
