"""How long the server takes to draw a big graph: DOT text, then Graphviz, then the inline SVG.

The issue's target is "a 1,000-node graph: SVG rendered on the server in at most 1.5 s". This
draws synthetic graphs shaped like real ones (tests/support/graphs.py) with every renderer found
(Graphviz's `dot` on PATH, graphviz-pure from the virtualenv) and prints the median wall time,
the renderer's CPU time (steadier on a busy machine) and the SVG size. A benchmark, not a test:

    .venv/bin/python -m benchmarks.graph_render [SIZE ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from conflicts.graphsvg import inline_svg
from resolver.dot import to_dot
from tests.support.graphs import synthetic_graph


def renderers() -> list[str]:
    beside = Path(sys.executable).parent / "graphviz-pure"
    found = [shutil.which("dot"), shutil.which("graphviz-pure"), str(beside) if beside.is_file() else None]
    return list(dict.fromkeys(path for path in found if path))


def run_measured(executable: str, dot: str) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one `-Tsvg` run (CPU from the usage of waited-for children), and its SVG."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([executable, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[300, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    found = renderers()
    if not found:
        raise SystemExit("no renderer: install Graphviz or graphviz-pure")
    for size in args.sizes:
        graph = synthetic_graph(size)
        print(f"{size} packages, {graph.number_of_edges()} edges")
        for focus in ("all", "conflict"):
            started = time.perf_counter()
            dot = to_dot(graph, focus=focus, link=lambda name: f"/r/report/p/{name}/")
            dot_ms = (time.perf_counter() - started) * 1000
            drawn = sum(1 for text in dot.splitlines() if text.startswith('  "') and " -> " not in text)
            for executable in found:
                walls, cpus = [], []
                for _ in range(args.repeat):
                    wall, cpu, out = run_measured(executable, dot)
                    started = time.perf_counter()
                    inline_svg(out.decode("utf-8", "replace"))
                    walls.append(wall + time.perf_counter() - started)
                    cpus.append(cpu)
                print(
                    f"  focus={focus:8} {drawn:5} nodes drawn  to_dot {dot_ms:4.0f} ms  "
                    f"{Path(executable).name:14} wall {statistics.median(walls):5.2f} s  "
                    f"cpu {statistics.median(cpus):5.2f} s  svg {len(out) // 1024} KB"
                )


if __name__ == "__main__":
    main()
