"""How long the server takes to draw a big graph: DOT text, then Graphviz, then the inline SVG.

The issue's target is "a 1,000-node graph: SVG rendered on the server in at most 1.5 s". This
draws synthetic graphs shaped like real ones (tests/support/graphs.py) with every renderer found
(Graphviz's `dot` on PATH, graphviz-pure from the virtualenv) through `render_svg` with an empty
cache, and prints the median of the whole (`to_dot` + `render_svg`, what a page view pays on a
cache miss), the renderer's own CPU time (steadier on a busy machine) and the SVG size.
A benchmark, not a test:

    .venv/bin/python -m benchmarks.graph_render [SIZE ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

from django.conf import settings

from resolver.output.dot import to_dot
from tests.support.graphs import synthetic_graph


def renderers() -> list[str]:
    beside = Path(sys.executable).parent / "graphviz-pure"
    found = [shutil.which("dot"), shutil.which("graphviz-pure"), str(beside) if beside.is_file() else None]
    return list(dict.fromkeys(path for path in found if path))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[300, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not settings.configured:
        settings.configure(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    from django.core.cache import caches

    from conflicts.web.graphsvg import render_svg

    found = renderers()
    if not found:
        raise SystemExit("no renderer: install Graphviz or graphviz-pure")
    for size in args.sizes:
        graph = synthetic_graph(size)
        print(f"{size} packages, {graph.number_of_edges()} edges")
        for focus in ("all", "conflict"):
            for executable in found:
                settings.GRAPHVIZ_DOT = executable
                totals, dots, cpus = [], [], []
                for _ in range(args.repeat):
                    caches["default"].clear()
                    started, cpu = time.perf_counter(), children_cpu()
                    dot = to_dot(graph, focus=focus, link=lambda name: f"/r/report/p/{name}/")
                    dots.append(time.perf_counter() - started)
                    svg = render_svg(dot)
                    totals.append(time.perf_counter() - started)
                    cpus.append(children_cpu() - cpu)
                drawn = sum(1 for text in dot.splitlines() if text.startswith('  "') and " -> " not in text)
                print(
                    f"  focus={focus:8} {drawn:5} nodes drawn  {Path(executable).name:14} "
                    f"total {statistics.median(totals):5.2f} s (to_dot {statistics.median(dots) * 1000:3.0f} ms, "
                    f"renderer cpu {statistics.median(cpus):4.2f} s)  svg {len(svg) // 1024} KB"
                )


if __name__ == "__main__":
    main()
