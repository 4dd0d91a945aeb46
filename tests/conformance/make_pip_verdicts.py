"""Write `pip_verdicts.json`: pip's answer to every packse scenario, so CI need not run pip 148 times.

Run `make pip-verdicts` after changing the pinned packse version or the scenario conversion
(about two minutes: one `pip install --dry-run` per scenario, wheels only, against the same
loopback index the tests serve). The test module reads the file to take pip's verdict where we
deliberately follow pip rather than packse, and checks that every disagreement is accounted for.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from pip import __version__ as pip_version

from tests.conformance.harness import pip_verdict, served
from tests.conformance.scenarios import load_all, pinned_version

OUTPUT = Path(__file__).with_name("pip_verdicts.json")


def main() -> int:
    verdicts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in load_all():
            with served(scenario, Path(tmp)) as url:
                verdict = pip_verdict(scenario, url, Path(tmp))
            verdicts[scenario.name] = {"resolved": verdict.resolved, "pins": dict(sorted(verdict.pins.items()))}
            print(f"{scenario.name}: {'resolved' if verdict.resolved else 'fails'} {verdict.pins or ''}")
    data = {
        "packse": pinned_version(),
        "pip": pip_version,
        "options": "--only-binary=:all: --python-version/--platform of the scenario's target, --pre when it asks",
        "scenarios": verdicts,
    }
    OUTPUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"wrote {len(verdicts)} verdicts to {OUTPUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
