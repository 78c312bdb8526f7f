"""Import pipeline: parse and validate a user's file (nothing written), then commit it in one transaction."""
from __future__ import annotations
import storage.units
import storage.targets
import storage.inputs

import pandas as pd

from loaders.parsing import EntityResolver, ParsedImport, parse_inputs
from storage.db import Store
from scoring.framework import Framework


def resolver(store: Store, group: str = "34") -> EntityResolver:
    return EntityResolver({name: [] for name in storage.inputs.entities(store, group)["name"]})


def validate(store: Store, framework: Framework, source, file_name: str, group: str = "34") -> ParsedImport:
    """Read and check a CSV/Excel file against the framework and the province list. Writes nothing."""
    return parse_inputs(source, file_name, framework, resolver(store, group))


def commit(store: Store, parsed: ParsedImport, framework: Framework, flag: str = "self_assessed",
           imported_by: str | None = None, group: str = "34", flag_source: str | None = None) -> int:
    """Write a validated import (all rows and its log line) in one transaction; refuse an invalid one."""
    if not parsed.ok:
        raise ValueError(f"{parsed.file_name}: {len(parsed.problems)} problem(s); nothing written")
    return storage.inputs.record_import(store, parsed.data, file_name=parsed.file_name, sha256=parsed.sha256,
                               framework_id=framework.id, flag=flag, entity_group=group,
                               imported_by=imported_by or None, form=parsed.form, flag_source=flag_source)


def import_file(store: Store, framework: Framework, source, file_name: str, flag: str = "self_assessed",
                imported_by: str | None = None) -> tuple[ParsedImport, int | None]:
    """Validate then commit when valid (scripts and tests); returns the import id or None."""
    parsed = validate(store, framework, source, file_name)
    if not parsed.ok:
        return parsed, None
    return parsed, commit(store, parsed, framework, flag, imported_by)


def validate_target_progress(store: Store, source, file_name: str):
    from loaders.targets import parse_target_progress

    return parse_target_progress(source, file_name, storage.targets.plan_targets(store))


def commit_target_progress(store: Store, parsed, flag: str = "self_assessed", imported_by: str | None = None,
                           flag_source: str | None = None) -> int:
    if not parsed.ok:
        raise ValueError(f"{parsed.file_name}: {len(parsed.problems)} problem(s); nothing written")
    return storage.targets.record_target_progress(store, parsed.data, file_name=parsed.file_name, sha256=parsed.sha256, flag=flag,
                                        imported_by=imported_by or None, flag_source=flag_source)


# --- units below the province -----------------------------------------------------------------------

LEVEL_LABELS_VI = {"province": "tỉnh", "department": "sở, ban, ngành", "district": "huyện", "commune": "xã, phường"}


def validate_unit_list(source, file_name: str, kind: str | None = None):
    from loaders.units import parse_units

    return parse_units(source, file_name, kind)


def commit_unit_list(store: Store, province: str, parsed, flag: str = "self_assessed",
                     imported_by: str | None = None, flag_source: str | None = None) -> int:
    if not parsed.ok:
        raise ValueError(f"{parsed.file_name}: {len(parsed.problems)} problem(s); nothing written")
    return storage.units.save_units(store, province, parsed.data, file_name=parsed.file_name, sha256=parsed.sha256, flag=flag,
                            imported_by=imported_by or None, flag_source=flag_source)


def validate_unit_data(store: Store, framework: Framework, province: str, source, file_name: str) -> ParsedImport:
    """Read a file of unit figures (departments, communes, districts of past years) of one province.

    Names resolve against the province's unit list (forgiving spelling, listed other names, names
    without "Xã"/"Phường"); each row then gets its unit's group ("<level>@<province>"). Refused, by
    name and cell: a unit of a level the framework does not score, a unit that did not exist in the
    row's year, a criterion that does not apply to the unit's level. Writes nothing."""
    from loaders.parsing import ImportProblem
    from loaders.units import resolver_for_units, unit_group, valid_in_year

    units = storage.units.units(store, province)
    if units.empty:
        parsed = parse_inputs(source, file_name, framework, EntityResolver([]))
        parsed.problems[:] = [ImportProblem(file_name, None, None, None, "no_units", {"province": province})]
        parsed.data = parsed.data.iloc[0:0]
        return parsed
    parsed = parse_inputs(source, file_name, framework, resolver_for_units(units))
    for p in parsed.problems:  # name problems speak of the province's units, not of provinces
        if p.code in ("unknown_entity", "missing_entity"):
            p.code = f"unit_{p.code}"
            p.params = dict(p.params, province=province, n_units=len(units))
    data = parsed.data
    if data.empty:
        return parsed
    by_name = units.set_index("name")
    level = data["entity"].map(by_name["level"])
    problems = []

    def where(i):
        return data.at[i, "sheet"] or None, int(data.at[i, "row"]) or None, data.at[i, "column"] or None

    fw_levels = ", ".join(LEVEL_LABELS_VI.get(lv, lv) for lv in framework.unit_levels)
    seen = set()
    for i in data.index[~level.isin(framework.unit_levels)]:
        key = ("level", data.at[i, "entity"])
        if key not in seen:
            seen.add(key)
            problems.append(ImportProblem(file_name, *where(i), "unit_level_not_scored", {
                "value": data.at[i, "entity"], "level": LEVEL_LABELS_VI.get(level[i], level[i]),
                "framework": framework.name_vi, "levels": fw_levels}))
    for year in sorted(data["year"].unique()):
        ok_units = set(units.loc[valid_in_year(units, int(year)), "name"])
        for i in data.index[(data["year"] == year) & ~data["entity"].isin(ok_units)]:
            key = ("valid", data.at[i, "entity"], int(year))
            if key in seen:
                continue
            seen.add(key)
            u = by_name.loc[data.at[i, "entity"]]
            valid = f"{_date_vi(u['valid_from']) or '…'} – {_date_vi(u['valid_to']) or '…'}"
            problems.append(ImportProblem(file_name, *where(i), "unit_not_valid_in_year", {
                "value": data.at[i, "entity"], "year": int(year), "valid": valid}))
    # Applicability is decided once per distinct (criterion, level), then applied as a column mask.
    pairs = pd.DataFrame({"indicator": data["indicator"], "level": level}).drop_duplicates()
    bad_pairs = {(c, lv) for c, lv in zip(pairs["indicator"], pairs["level"])
                 if lv in framework.unit_levels and c in framework.nodes and not framework.applies_to(c, lv)}
    if bad_pairs:
        mask = pd.Series(list(zip(data["indicator"], level)), index=data.index).isin(bad_pairs)
        first = data.loc[mask].assign(level=level[mask]).drop_duplicates(["indicator", "level", "entity"])
        for i in first.index[:200]:
            problems.append(ImportProblem(file_name, *where(i), "criterion_not_for_level", {
                "value": data.at[i, "entity"], "indicator": data.at[i, "indicator"],
                "level": LEVEL_LABELS_VI.get(level[i], level[i])}))
    from loaders.result import name_criteria

    parsed.problems.extend(name_criteria(problems[:200], framework))
    parsed.data = data.assign(entity_group=[unit_group(lv, province) for lv in level.fillna("province")])
    return parsed


def commit_unit_data(store: Store, parsed: ParsedImport, framework: Framework, flag: str = "self_assessed",
                     basis: str = "self", imported_by: str | None = None, flag_source: str | None = None) -> int:
    if not parsed.ok:
        raise ValueError(f"{parsed.file_name}: {len(parsed.problems)} problem(s); nothing written")
    return storage.inputs.record_import(store, parsed.data, file_name=parsed.file_name, sha256=parsed.sha256,
                               framework_id=framework.id, flag=flag, entity_group="units", basis=basis,
                               imported_by=imported_by or None, form=parsed.form, flag_source=flag_source)


def _date_vi(value) -> str:
    if value is None or (isinstance(value, float) and value != value) or str(value) in ("NaT", "None", ""):
        return ""
    ts = pd.Timestamp(value)
    return f"{ts.day:02d}/{ts.month:02d}/{ts.year}"
