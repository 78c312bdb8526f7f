"""What a file is read against: the framework's leaves, their `<indicator>.<variable>` columns and each
variable's kind and unit, the entity names, the default year and the file's name. Built once per file
by `ImportContext.of(...)` and passed to every step (layout, melt, checks); nothing in it changes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.cells import variable_kind
from loaders.names import EntityResolver
from scoring.framework import Framework, Node


@dataclass
class ImportContext:
    fw: Framework
    resolver: EntityResolver
    file: str
    default_year: int | None
    leaves: dict[str, Node] = field(default_factory=dict)
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # "4.4.a" -> ("4.4", "a")
    columns_ci: dict[str, str] = field(default_factory=dict)  # lower-case column -> column, when unique
    kinds: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (indicator, variable) -> (kind, unit)

    @classmethod
    def of(cls, framework: Framework, resolver: EntityResolver, file_name: str,
           default_year: int | None = None) -> "ImportContext":
        leaves = {leaf.code: leaf for leaf in framework.leaves}
        columns = {f"{leaf.code}.{v.name}": (leaf.code, v.name) for leaf in framework.leaves for v in leaf.variables}
        kinds = {(leaf.code, v.name): (variable_kind(leaf, v), v.unit or "")
                 for leaf in framework.leaves for v in leaf.variables}
        lowered: dict[str, list[str]] = {}
        for name in columns:
            lowered.setdefault(name.lower(), []).append(name)
        columns_ci = {k: v[0] for k, v in lowered.items() if len(v) == 1}
        return cls(framework, resolver, file_name, default_year, leaves, columns, columns_ci, kinds)

    def example_column(self) -> str:
        return next(iter(self.columns), "4.4.a")

    def example_entity(self) -> str:
        names = self.resolver.names
        return "Gia Lai" if "Gia Lai" in names else (names[0] if names else "")

    def match_column(self, text: str) -> str | None:
        compact = re.sub(r"\s+", "", text)
        if compact in self.columns:
            return compact
        return self.columns_ci.get(compact.lower())
