"""The analyses' yes/no re-resolutions: the same answer as a full resolution, for less.

`explain=False` leaves a failure unexplained (nobody reads it); `preferences` decide the packages
a first resolution found clashing first, so a failure that still holds shows in a few rounds.
"""

from __future__ import annotations

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from tests.resolver.conftest import IndexFactory

# The site pins an old `core` and asks for a `plugin`, every version of which needs a newer one.
# Pinned first, `core` is tried at each of its old versions before the clash is blamed on `plugin`.
UNIVERSE = {
    "core": {f"1.{minor}": {} for minor in range(40)} | {"2.0": {}},
    "plugin": {"1.0": {"requires": ["core>=2"]}, "1.1": {"requires": ["core>=2"]}},
    "app": {"1.0": {"requires": ["core", "tool"]}},
    "tool": {"1.0": {"requires": ["plugin"]}},  # a success reached through them is still pip's
}
TEXT = "core<2\nplugin\n"


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_question_gets_the_verdict_without_the_explanation(indexes: IndexFactory) -> None:
    client = indexes.client(UNIVERSE)
    files = {"requirements.in": TEXT}
    full = resolve(files, index=client, target=Target("3.11"), analyse=False)
    asked = resolve(files, index=client, target=Target("3.11"), analyse=False, explain=False)
    assert full["status"] == asked["status"] == "conflict"
    assert full["conflicts"] and full["graph"]["nodes"]
    assert asked["conflicts"] == [] and asked["graph"] == {"nodes": [], "edges": []}


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_known_clashes_decided_first_give_the_same_verdict_in_fewer_rounds(indexes: IndexFactory) -> None:
    client = indexes.client(UNIVERSE)
    files = {"requirements.in": TEXT}
    plain = resolve(files, index=client, target=Target("3.11"), analyse=False, explain=False)
    known = {"plugin": 0, "core": 1}
    preferred = resolve(files, index=client, target=Target("3.11"), analyse=False, explain=False, preferences=known)
    assert plain["status"] == preferred["status"] == "conflict"
    assert preferred["stats"]["rounds"] < plain["stats"]["rounds"] // 4
    resolved = {"requirements.in": "core\napp\n"}  # and a success is still found
    assert resolve(resolved, index=client, target=Target("3.11"), analyse=False, preferences=known)["pins"] == {
        "app": "1.0",
        "core": "2.0",
        "plugin": "1.1",
        "tool": "1.0",
    }
