"""Frameworks as data: load a TOML framework file into an immutable tree and validate it.

Every error names the offending node code so a framework author can fix the file without
reading this module (unknown parent, maxima that do not add up, unknown rule type, a rule
parameter missing, a variable used but not declared...).

Why one module: loading and validating a framework file is one set of rules over one tree (nodes, levels,
maxima, discrepancies); the validation messages name what the loader read.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT_CODE = "total"
# Kinds of units a framework can score. Since 1 July 2025 local government has two levels
# (province, commune/ward); districts remain only for past years.
UNIT_LEVELS = ("province", "department", "district", "commune")
NOT_PRINTED = "not_printed"
FRAMEWORKS_DIR = Path(__file__).resolve().parent.parent / "data" / "frameworks"
# Maxima are given with at most a few decimals; a sum is "equal" within this tolerance.
MAX_POINTS_TOLERANCE = 1e-6
# Who gives a leaf its values in an appraisal round: the unit itself (self-assessment, then the council
# appraises), the council alone (the unit enters nothing), or an automatic source (the unit enters nothing;
# `scored_from_vi/_en` name the source in words).
SCORED_BY = ("unit", "council", "automatic")
# A code of ours joining several of the seed's numbers ("CQS.2.3_4": the seed's 2.3 and 2.4 scored together).
_JOINED_CODE = re.compile(r"^(?P<stem>(?:.+\.)?)(?P<parent>[^._]+)\.(?P<first>\d+)_(?P<last>\d+)$")


def display_code(code) -> str:
    """A criterion code as a person reads it (pages, tables, downloads, charts, messages, documents).

    A joined code of ours shows the seed's numbers it covers, both spelled in full with an en dash:
    "CQS.2.3_4" -> "CQS.2.3–2.4", "KTS.5.3_7" -> "KTS.5.3–5.7". Every other code is shown as it is.
    The stored code never changes (inputs, rules and files use it); only what is read does."""
    text = "" if code is None else str(code)
    m = _JOINED_CODE.match(text)
    if not m:
        return text
    p = m["parent"]
    return f"{m['stem']}{p}.{m['first']}–{p}.{m['last']}"


def criterion_words(framework: "Framework", code, lang: str = "vi") -> str:
    """A criterion as a person reads it in a sentence: 'I.4 – Số bài viết …' (the code as read, then the name);
    a code the framework does not have: the code as read."""
    node = framework.nodes.get(str(code)) if framework is not None else None
    if node is None:
        return display_code(code)
    name = node.name_en if lang == "en" and node.name_en else node.name_vi
    return f"{display_code(node.code)} – {name}" if node.code != ROOT_CODE else name


def variable_meaning(framework: "Framework", code, var, lang: str = "vi") -> str:
    """A variable's full meaning (never cut, 'Mục n:' dropped, first letter as written); the variable's name
    when the framework does not describe it."""
    return node_variable_meaning(framework.nodes.get(str(code)) if framework is not None else None, var, lang)


def node_variable_meaning(node: "Node | None", var, lang: str = "vi") -> str:
    """variable_meaning for a node in hand (None: the variable's name)."""
    def get(x, key):  # a Variable, or a dict in a framework built by hand
        return (x.get(key) if isinstance(x, dict) else getattr(x, key, None)) or ""

    v = next((x for x in node.variables if get(x, "name") == var), None) if node is not None else None
    text = ((get(v, "meaning_en") if lang == "en" else "") or get(v, "meaning_vi")) if v is not None else ""
    return re.sub(r"^\s*(Mục|Item)\s*\d+\s*:\s*", "", str(text or var)).strip()


def variable_words(framework: "Framework", code, var, lang: str = "vi") -> str:
    """A figure of a criterion in words, the code only as a reference: 'I.4 – <tên chỉ số>: <ý nghĩa biến>'."""
    return f"{criterion_words(framework, code, lang)}: {variable_meaning(framework, code, var, lang)}"


class FrameworkError(ValueError):
    """A framework file is malformed. `problems` lists every problem found, each naming a code."""

    def __init__(self, framework_id: str, problems: list[str]):
        self.framework_id = framework_id
        self.problems = problems
        super().__init__(f"framework {framework_id!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class Variable:
    name: str
    meaning_vi: str = ""
    meaning_en: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Node:
    code: str
    parent: str | None
    name_vi: str
    name_en: str
    max_points: float
    level: int = 0
    children: tuple[str, ...] = ()
    rule: dict[str, Any] | None = None
    variables: tuple[Variable, ...] = ()
    lead_agency: str = ""
    implementing_agencies: tuple[str, ...] = ()
    frequency: str = ""
    target_text: str = ""
    source: str = ""
    reading: str = ""
    not_applicable_allowed: bool = False
    # Unit levels this node applies to (keys of UNIT_LEVELS); empty = every level of the framework.
    levels: tuple[str, ...] = ()
    evidence: str = ""          # data source / evidence (minh chứng) the seed asks for
    exemption: str = ""         # the seed's condition under which the criterion does not apply
    # A maximum as the seed prints it when it differs from the one used (None = same as used;
    # NOT_PRINTED = the seed prints none), with the reason in `discrepancy`.
    printed_max_points: float | str | None = None
    discrepancy: str = ""
    discrepancy_vi: str = ""  # the reason in Vietnamese words, as the methodology page shows it
    # A leaf that scores several of the seed's criteria together (the seed gives one maximum for them):
    # the codes of the criteria it covers, as the seed numbers them.
    covers: tuple[str, ...] = ()
    # Whether the leaf's figures need evidence (minh chứng); None = the framework's `evidence_required`.
    evidence_required: bool | None = None
    # Who scores the leaf in an appraisal round (one of SCORED_BY) and, for "automatic", from what.
    scored_by: str = "unit"
    scored_from_vi: str = ""
    scored_from_en: str = ""

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def rule_type(self) -> str | None:
        return None if self.rule is None else self.rule.get("type")

    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    def input_columns(self) -> tuple[str, ...]:
        """Wide column names of this leaf's inputs, e.g. ('4.4.a', '4.4.b')."""
        return tuple(f"{self.code}.{v.name}" for v in self.variables)


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    name_vi: str
    name_en: str
    level_names: tuple[str, ...]
    nodes: dict[str, Node]  # code -> node, in file order, root first
    source: str = ""
    path: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def root(self) -> Node:
        return self.nodes[ROOT_CODE]

    @property
    def max_points(self) -> float:
        return self.root.max_points

    @cached_property
    def leaves(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes.values() if n.is_leaf)

    @cached_property
    def inner_nodes_bottom_up(self) -> tuple[Node, ...]:
        """Inner nodes, deepest first, so a parent is aggregated after all its children."""
        inner = [n for n in self.nodes.values() if not n.is_leaf]
        return tuple(sorted(inner, key=lambda n: -n.level))

    def children_of(self, code: str) -> tuple[Node, ...]:
        return tuple(self.nodes[c] for c in self.nodes[code].children)

    def nodes_at_level(self, level: int) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes.values() if n.level == level)

    def main_indices(self) -> tuple[Node, ...]:
        return self.nodes_at_level(1)

    def ancestor_at_level(self, code: str, level: int) -> str:
        node = self.nodes[code]
        while node.level > level:
            node = self.nodes[node.parent]
        return node.code

    def input_columns(self) -> list[str]:
        return [col for leaf in self.leaves for col in leaf.input_columns()]

    @property
    def unit_levels(self) -> tuple[str, ...]:
        """The kinds of units this framework scores (e.g. ('province',) or ('department', 'commune'))."""
        return tuple(self.meta.get("unit_levels", ("province",)))

    def applies_to(self, code: str, unit_level: str) -> bool:
        """Does a node apply to a unit level? A node's `levels` restrict it and all its descendants."""
        node = self.nodes[code]
        while node is not None:
            if node.levels and unit_level not in node.levels:
                return False
            node = self.nodes.get(node.parent) if node.parent else None
        return unit_level in self.unit_levels

    def for_level(self, unit_level: str) -> "Framework":
        """The framework as one unit level sees it: leaves that do not apply are left out, and so are
        inner nodes left without children; every inner maximum is the sum of what remains.
        A framework with a single unit level is returned unchanged."""
        if unit_level not in self.unit_levels:
            raise KeyError(f"framework {self.id} does not score units of level {unit_level!r}")
        if len(self.unit_levels) == 1 and not any(n.levels for n in self.nodes.values()):
            return self
        keep_leaves = {n.code for n in self.leaves if self.applies_to(n.code, unit_level)}
        maxima: dict[str, float] = {}
        kids: dict[str, list[str]] = {}
        for node in sorted(self.nodes.values(), key=lambda n: -n.level):
            if node.is_leaf:
                if node.code in keep_leaves:
                    maxima[node.code] = node.max_points
            else:
                kept = [c for c in node.children if c in maxima]
                if kept or node.code == ROOT_CODE:
                    kids[node.code] = kept
                    maxima[node.code] = sum(maxima[c] for c in kept)
        import dataclasses

        nodes = {
            code: dataclasses.replace(node, max_points=maxima[code], children=tuple(kids.get(code, ())))
            for code, node in self.nodes.items() if code in maxima
        }
        meta = dict(self.meta, unit_levels=[unit_level], level_view=unit_level)
        return dataclasses.replace(self, nodes=nodes, meta=meta)

    def discrepancies(self) -> list[dict[str, Any]]:
        """Every place where the seed's printed maximum is not the one used: code, printed, used, why.
        `printed` is None when the seed prints no maximum for the node."""
        out = []
        for node in self.nodes.values():
            if node.printed_max_points is None:
                continue
            printed = None if node.printed_max_points == NOT_PRINTED else float(node.printed_max_points)
            out.append({"code": node.code, "name_vi": node.name_vi, "printed": printed,
                        "used": node.max_points, "why": node.discrepancy})
        return out

    def describe(self):
        """The tree as rows (code, parent, level, name_vi, name_en, max_points), root first."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "code": n.code,
                    "parent": n.parent if n.parent is not None else "",
                    "level": n.level,
                    "name": n.name_vi,
                    "name_en": n.name_en,
                    "max_points": n.max_points,
                    "rule": n.rule_type or "",
                    "lead_agency": n.lead_agency,
                }
                for n in self.nodes.values()
            ]
        )


def available_frameworks(directory: Path = FRAMEWORKS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_framework(id_or_path: str | Path, directory: Path = FRAMEWORKS_DIR) -> Framework:
    """Load and validate a framework by id (file stem in data/frameworks) or by path."""
    path = Path(id_or_path)
    if path.suffix != ".toml":
        path = directory / f"{id_or_path}.toml"
    if not path.exists():
        known = ", ".join(available_frameworks(directory)) or "none"
        raise FrameworkError(str(id_or_path), [f"no framework file {path} (known: {known})"])
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(path.stem, [f"not valid TOML: {exc}"]) from exc
    return parse_framework(raw, path=str(path))


def parse_framework(raw: dict[str, Any], path: str = "") -> Framework:
    """Build a Framework from the TOML structure, collecting every problem before raising."""
    from scoring.rules import validate_rule  # local import: rules imports nothing from here at load

    head = raw.get("framework", {})
    fid = str(head.get("id") or Path(path).stem or "?")
    problems: list[str] = []
    for key in ("id", "version", "name_vi"):
        if not head.get(key):
            problems.append(f"[framework] is missing '{key}'")

    unit_levels = tuple(head.get("unit_levels", ("province",)))
    bad_levels = [lv for lv in unit_levels if lv not in UNIT_LEVELS]
    if bad_levels or not unit_levels:
        problems.append(f"[framework] unit_levels {list(unit_levels)} must be a non-empty list of {list(UNIT_LEVELS)}")

    raw_nodes = raw.get("node", [])
    if not raw_nodes:
        problems.append("no [[node]] entries")

    by_code: dict[str, dict[str, Any]] = {}
    for i, rn in enumerate(raw_nodes):
        code = str(rn.get("code", "")).strip()
        if not code:
            problems.append(f"node #{i + 1} has no code")
            continue
        if code == ROOT_CODE:
            problems.append(f"node {code}: 'total' is the implicit root and cannot be declared")
            continue
        if code in by_code:
            problems.append(f"node {code}: duplicate code")
            continue
        by_code[code] = rn

    children: dict[str, list[str]] = {ROOT_CODE: []}
    for code, rn in by_code.items():
        parent = str(rn.get("parent", "")).strip()
        if not parent:
            problems.append(f"node {code}: missing parent")
            continue
        if parent != ROOT_CODE and parent not in by_code:
            problems.append(f"node {code}: unknown parent {parent!r}")
            continue
        children.setdefault(parent, []).append(code)

    # Depth by walking parents; a cycle never reaches the root.
    levels: dict[str, int] = {ROOT_CODE: 0}

    def level_of(code: str, seen: tuple[str, ...] = ()) -> int | None:
        if code in levels:
            return levels[code]
        if code in seen or code not in by_code:
            return None
        parent = str(by_code[code].get("parent", "")).strip()
        parent_level = level_of(parent, seen + (code,))
        if parent_level is None:
            return None
        levels[code] = parent_level + 1
        return levels[code]

    for code in by_code:
        if level_of(code) is None and not any(code in p and "parent" in p for p in problems):
            problems.append(f"node {code}: parent chain does not reach 'total' (cycle?)")

    nodes: dict[str, Node] = {}
    leaf_total = 0.0
    for code, rn in by_code.items():
        if code not in levels:
            continue
        kids = tuple(children.get(code, ()))
        max_points = rn.get("max_points")
        if not isinstance(max_points, (int, float)) or isinstance(max_points, bool) or max_points <= 0 \
                or not math.isfinite(max_points):
            problems.append(f"node {code}: max_points must be a positive number (got {max_points!r})")
            max_points = 0.0
        variables = tuple(
            Variable(
                name=str(v.get("name", "")),
                meaning_vi=str(v.get("meaning_vi", "")),
                meaning_en=str(v.get("meaning_en", "")),
                unit=str(v.get("unit", "")),
            )
            for v in rn.get("variables", [])
        )
        rule = rn.get("rule")
        if kids:
            if rule is not None:
                problems.append(f"node {code}: has children and a rule; only leaves carry rules")
            if rn.get("scored_by", "unit") != "unit":
                problems.append(f"node {code}: scored_by on a node with children; only leaves are scored")
        else:
            if rule is None:
                problems.append(f"node {code}: leaf without a rule")
            else:
                names = [v.name for v in variables]
                if len(set(names)) != len(names) or any(not n for n in names):
                    problems.append(f"node {code}: variable names must be unique and non-empty")
                problems.extend(f"node {code}: {p}" for p in validate_rule(rule, set(names)))
            leaf_total += float(max_points)
        nodes[code] = Node(
            code=code,
            parent=str(rn.get("parent")),
            name_vi=str(rn.get("name_vi", "")),
            name_en=str(rn.get("name_en", "")),
            max_points=float(max_points),
            level=levels[code],
            children=kids,
            rule=dict(rule) if rule is not None else None,
            variables=variables,
            lead_agency=str(rn.get("lead_agency", "")),
            implementing_agencies=tuple(rn.get("implementing_agencies", ())),
            frequency=str(rn.get("frequency", "")),
            target_text=str(rn.get("target_text", "")),
            source=str(rn.get("source", "")),
            reading=str(rn.get("reading", "")),
            not_applicable_allowed=bool(rn.get("not_applicable_allowed", False) or rn.get("exemption")),
            levels=tuple(str(x) for x in rn.get("levels", ())),
            evidence=str(rn.get("evidence", "")),
            exemption=str(rn.get("exemption", "")),
            printed_max_points=_printed_max(rn.get("printed_max_points")),
            discrepancy=str(rn.get("discrepancy", "")),
            discrepancy_vi=str(rn.get("discrepancy_vi", "")),
            covers=tuple(str(c) for c in rn.get("covers", ())),
            evidence_required=None if rn.get("evidence_required") is None else bool(rn["evidence_required"]),
            scored_by=str(rn.get("scored_by", "unit")),
            scored_from_vi=str(rn.get("scored_from_vi", "")),
            scored_from_en=str(rn.get("scored_from_en", "")),
        )
        problems.extend(f"node {code}: {p}" for p in _check_unit_fields(rn, unit_levels))
        if not nodes[code].name_vi:
            problems.append(f"node {code}: missing name_vi")

    # Inner maxima must equal the sum of their children.
    for code, node in nodes.items():
        if node.children:
            total = sum(nodes[c].max_points for c in node.children if c in nodes)
            if abs(total - node.max_points) > MAX_POINTS_TOLERANCE:
                problems.append(
                    f"node {code}: max_points {node.max_points:g} != sum of children {total:g}"
                    f" ({', '.join(node.children)})"
                )
    top = children.get(ROOT_CODE, [])
    root_max = sum(nodes[c].max_points for c in top if c in nodes)
    declared_total = head.get("total_max")
    if declared_total is not None and abs(float(declared_total) - root_max) > MAX_POINTS_TOLERANCE:
        problems.append(f"node total: total_max {declared_total} != sum of main indices {root_max:g}")
    printed_total = _printed_max(head.get("printed_total_max"))
    if printed_total is not None and not head.get("total_discrepancy"):
        problems.append("node total: printed_total_max needs total_discrepancy (why the total used differs)")

    if problems:
        raise FrameworkError(fid, problems)

    root = Node(
        code=ROOT_CODE,
        parent=None,
        name_vi=str(head.get("total_name_vi", "Tổng điểm")),
        name_en=str(head.get("total_name_en", "Total")),
        max_points=root_max,
        level=0,
        children=tuple(top),
        printed_max_points=printed_total,
        discrepancy=str(head.get("total_discrepancy", "")),
        discrepancy_vi=str(head.get("total_discrepancy_vi", "")),
    )
    ordered = {ROOT_CODE: root, **nodes}
    return Framework(
        id=fid,
        version=str(head.get("version")),
        name_vi=str(head.get("name_vi")),
        name_en=str(head.get("name_en", "")),
        level_names=tuple(head.get("level_names", ("total", "main", "component"))),
        nodes=ordered,
        source=str(head.get("source", "")),
        path=path,
        meta={k: v for k, v in head.items() if k not in {"id", "version", "name_vi", "name_en"}},
    )


def _printed_max(raw: Any) -> float | str | None:
    """`printed_max_points` as written: a number, the string "not_printed", or absent (None)."""
    if raw is None:
        return None
    if raw == NOT_PRINTED:
        return NOT_PRINTED
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return f"invalid:{raw!r}"


def _check_unit_fields(rn: dict[str, Any], unit_levels: tuple[str, ...]) -> list[str]:
    problems = []
    levels = rn.get("levels", ())
    if not isinstance(levels, (list, tuple)):
        return [f"levels must be a list of {list(unit_levels)}"]
    unknown = [lv for lv in levels if lv not in unit_levels]
    if unknown:
        problems.append(f"levels {unknown} are not unit levels of this framework {list(unit_levels)}")
    scored_by = rn.get("scored_by", "unit")
    if scored_by not in SCORED_BY:
        problems.append(f"scored_by {scored_by!r} must be one of {list(SCORED_BY)}")
    if scored_by == "automatic" and not str(rn.get("scored_from_vi", "")).strip():
        problems.append("scored_by = \"automatic\" needs scored_from_vi (the source, in words)")
    printed = _printed_max(rn.get("printed_max_points"))
    if isinstance(printed, str) and printed.startswith("invalid:"):
        problems.append(f"printed_max_points must be a number or \"{NOT_PRINTED}\" (got {printed[8:]})")
    elif printed is not None and not str(rn.get("discrepancy", "")).strip():
        problems.append("printed_max_points is given but 'discrepancy' (printed value, value used, why) is empty")
    return problems


def criteria_scored_by(framework: Framework, level: str | None = None) -> dict[str, str]:
    """code → who scores the leaf in an appraisal round ("unit", "council" or "automatic"), for the leaves
    that apply to `level` (None: every leaf). The unit's form leaves out all but "unit"; the council's
    queue takes "council" (and "automatic" when no source has delivered)."""
    view = framework
    if level is not None and level in framework.unit_levels and len(framework.unit_levels) > 1:
        view = framework.for_level(level)
    return {leaf.code: leaf.scored_by for leaf in view.leaves}
