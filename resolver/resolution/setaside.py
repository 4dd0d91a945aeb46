"""A provider that sets packages aside: each is replaced by a placeholder that satisfies anything.

This is how the analyses find every independent conflict: once a conflict on `P` is known,
resolving again with `P` set aside removes every constraint on `P` and everything `P` itself would
bring, so whatever still fails fails for reasons that do not involve `P`. A placeholder has no
dependencies and no files; it never appears in the pins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from resolver.resolution.provider import Provider
from resolver.resolution.requirements import AnyCandidate, AnyReq

NO_VERSION = Version("0")


@dataclass(frozen=True)
class Placeholder:
    """Stands for a package that was set aside: any specifier accepts it."""

    name: str
    extras: frozenset[str] = frozenset()
    version: Version = NO_VERSION
    file: None = None

    @property
    def identifier(self) -> str:
        return f"{self.name}[{','.join(sorted(self.extras))}]" if self.extras else self.name

    def pin(self) -> str:
        return f"{self.name} (set aside)"

    def format_for_error(self) -> str:
        return self.pin()


class SetAsideProvider(Provider):
    def __init__(self, *args: Any, set_aside: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_aside = set_aside

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[AnyReq]],
        incompatibilities: Mapping[str, Iterator[AnyCandidate]],
    ) -> Any:
        reqs = list(requirements[identifier])
        if reqs and reqs[0].name in self.set_aside:
            return [Placeholder(reqs[0].name, reqs[0].extras)]
        return super().find_matches(identifier, {identifier: iter(reqs)}, incompatibilities)

    def is_satisfied_by(self, requirement: AnyReq, candidate: Any) -> bool:
        return isinstance(candidate, Placeholder) or super().is_satisfied_by(requirement, candidate)

    def get_dependencies(self, candidate: Any) -> list[AnyReq]:
        return [] if isinstance(candidate, Placeholder) else super().get_dependencies(candidate)
