"""The Excel input template (pure: openpyxl only, returns bytes).

`build_template(framework, entities, years)` makes a workbook that `loaders.parsing.parse_inputs`
reads back without any setting (the two are designed and tested together):
- sheet "Hướng dẫn" (en: "Instructions"): how to fill it in, accepted number formats, N/A, the
  framework id/version, and one line per data column saying what the variable means (skipped by the parser);
- sheet "Danh mục" ("Lists"): the entities, the source of the entity drop-down (skipped by the parser);
- one sheet per main index (level-1 node), title "<code>. <name>" cut to Excel's 31 characters.
  Row 1: human labels (indicator name, variable meaning, unit; wrapped). Row 2: the machine header
  (`entity`, `year`, then every `<indicator>.<variable>` of the leaves under that main index, exactly
  `Node.input_columns()`), which the parser finds because it is the first of the first five rows that
  is a complete header. Rows 3…: one per entity × year with entity and year filled, values empty
  (rows left without values are ignored on import). Panes frozen below row 2 and right of column B.
"""
from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from loaders.parsing import YEAR_MAX, YEAR_MIN, format_number, load_catalog
from loaders.safe_output import neutralise_workbook
from scoring.framework import Framework, Node
from scoring.rules import item_variables

LABEL_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
ENTITY_HEADER = "entity"
YEAR_HEADER = "year"
SHEET_TITLE_MAX = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_LABEL_FONT = Font(bold=True)
_LABEL_FILL = PatternFill("solid", fgColor="DDEBF7")
_CODE_FONT = Font(size=9, color="808080")
_CODE_FILL = PatternFill("solid", fgColor="F2F2F2")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def sheet_title(code: str, name: str, taken: set[str] | None = None) -> str:
    """'<code>. <name>' without the characters Excel forbids, cut to 31 characters (at a word boundary
    when possible), unique (case-insensitively, as Excel wants) within `taken`, which it extends."""
    title = _FORBIDDEN.sub(" ", f"{code}. {name}" if name else code)
    title = re.sub(r"\s+", " ", title).strip().strip("'")
    if len(title) > SHEET_TITLE_MAX:  # cut at a word boundary when that keeps most of the name
        cut = title[:SHEET_TITLE_MAX + 1].rsplit(" ", 1)[0]
        title = (cut if len(cut) >= 20 else title[:SHEET_TITLE_MAX]).rstrip(" ,;.-–")
    taken = taken if taken is not None else set()
    candidate, n = title, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate = title[:SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(candidate)
    return candidate


def leaves_by_main_index(framework: Framework) -> list[tuple[Node, list[Node]]]:
    """Each main index with the leaves under it, in framework order."""
    out: list[tuple[Node, list[Node]]] = []
    for main in framework.main_indices():
        leaves = [leaf for leaf in framework.leaves if framework.ancestor_at_level(leaf.code, 1) == main.code]
        out.append((main, leaves))
    return out


def _name(obj: Any, lang: str) -> str:
    return (getattr(obj, "name_en", "") if lang == "en" else "") or obj.name_vi


def _meaning(var, lang: str) -> str:
    return (var.meaning_en if lang == "en" else "") or var.meaning_vi or ""


def _is_item(leaf: Node, var) -> bool:
    return var.unit.strip() == "0/1" or var.name in item_variables(leaf.rule or {})


def _is_points(leaf: Node, var) -> bool:
    return (leaf.rule or {}).get("type") == "direct" and leaf.rule.get("variable") == var.name


def _label(leaf: Node, var, t: dict[str, str], lang: str) -> str:
    lines = [f"{leaf.code} {_name(leaf, lang)}"]
    meaning = _meaning(var, lang)
    lines.append(f"{var.name}: {meaning}" if meaning else var.name)
    if _is_item(leaf, var):
        lines.append(t["label_item"])
    elif _is_points(leaf, var):
        lines.append(t["label_points"].format(max_points=format_number(leaf.max_points, lang)))
    elif var.unit:
        lines.append(t["label_unit"].format(unit=var.unit))
    if leaf.not_applicable_allowed:
        lines.append(t["label_na"])
    return "\n".join(lines)


def _dv(kind: str, t: dict[str, str], *, title: str, prompt: str, error: str, style: str = "stop",
        **kwargs: Any) -> DataValidation:
    dv = DataValidation(type=kind, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                        errorStyle=style, **kwargs)
    dv.promptTitle, dv.prompt = title[:32], prompt[:255]
    dv.errorTitle, dv.error = title[:32], error[:255]
    return dv


def build_template(framework: Framework, entities: list[str], years: list[int], lang: str = "vi") -> bytes:
    """The .xlsx input template for `framework`, one row per entity × year on each main index's sheet."""
    t = load_catalog(lang)["template"]
    wb = Workbook()
    taken = {t["sheet_instructions"], t["sheet_lists"]}
    groups = leaves_by_main_index(framework)
    titles = [sheet_title(main.code, _name(main, lang), taken) for main, _ in groups]

    # -- Hướng dẫn --
    guide = wb.active
    guide.title = t["sheet_instructions"]
    guide["A1"] = t["title"]
    guide["A1"].font = _TITLE_FONT
    meta = [
        (t["framework"], _name(framework, lang)),
        (t["framework_id"], framework.id),
        (t["framework_version"], framework.version),
        ("", t["generated"]),
    ]
    row = 3
    for key, value in meta:
        guide.cell(row, 1, key).font = _LABEL_FONT
        guide.cell(row, 2, value)
        row += 1
    row += 1
    guide.cell(row, 1, t["how_title"]).font = _LABEL_FONT
    row += 1
    for i, step in enumerate(t["steps"], start=1):
        guide.cell(row, 1, i)
        guide.merge_cells(start_row=row, start_column=2, end_row=row, end_column=10)
        cell = guide.cell(row, 2, step)
        cell.alignment = _WRAP_TOP
        guide.row_dimensions[row].height = 32
        row += 1
    row += 1
    guide.cell(row, 1, t["variables_title"]).font = _LABEL_FONT
    row += 1
    for j, head in enumerate(t["variables_header"], start=1):
        c = guide.cell(row, j, head)
        c.font, c.fill = _LABEL_FONT, _LABEL_FILL
    row += 1
    for (main, leaves), title in zip(groups, titles):
        for leaf in leaves:
            for var in leaf.variables:
                values = [title, f"{leaf.code}.{var.name}", leaf.code, _name(leaf, lang), leaf.max_points,
                          var.name, _meaning(var, lang), var.unit,
                          t["yes"] if leaf.not_applicable_allowed else t["no"], leaf.lead_agency]
                for j, v in enumerate(values, start=1):
                    guide.cell(row, j, v).alignment = _WRAP_TOP
                row += 1
    for letter, width in zip("ABCDEFGHIJ", (24, 16, 10, 40, 10, 10, 50, 14, 12, 30)):
        guide.column_dimensions[letter].width = width

    # -- Danh mục --
    lists = wb.create_sheet(t["sheet_lists"])
    lists["A1"] = t["lists_header"]
    lists["A1"].font = _LABEL_FONT
    for i, name in enumerate(entities, start=2):
        lists.cell(i, 1, name)
    lists.column_dimensions["A"].width = 28
    last_entity_row = max(len(entities), 1) + 1
    entity_list = f"'{t['sheet_lists']}'!$A$2:$A${last_entity_row}"

    # -- one sheet per main index --
    n_data = max(len(entities) * len(years), 1)
    last_row = FIRST_DATA_ROW + n_data - 1
    for (main, leaves), title in zip(groups, titles):
        ws = wb.create_sheet(title)
        columns = [(leaf, var) for leaf in leaves for var in leaf.variables]
        ws.cell(LABEL_ROW, 1, t["label_entity"])
        ws.cell(LABEL_ROW, 2, t["label_year"])
        ws.cell(HEADER_ROW, 1, ENTITY_HEADER)
        ws.cell(HEADER_ROW, 2, YEAR_HEADER)
        for j, (leaf, var) in enumerate(columns, start=3):
            ws.cell(LABEL_ROW, j, _label(leaf, var, t, lang))
            ws.cell(HEADER_ROW, j, f"{leaf.code}.{var.name}")
        for j in range(1, len(columns) + 3):
            label, code = ws.cell(LABEL_ROW, j), ws.cell(HEADER_ROW, j)
            label.font, label.fill, label.alignment = _LABEL_FONT, _LABEL_FILL, _WRAP_TOP
            code.font, code.fill = _CODE_FONT, _CODE_FILL
            ws.column_dimensions[get_column_letter(j)].width = 28 if j == 1 else (10 if j == 2 else 22)
        ws.row_dimensions[LABEL_ROW].height = 110
        r = FIRST_DATA_ROW
        for entity in entities:
            for year in years:
                ws.cell(r, 1, entity)
                ws.cell(r, 2, int(year))
                r += 1
        ws.freeze_panes = f"C{FIRST_DATA_ROW}"

        dv_entity = _dv("list", t, title=t["dv_entity_title"], prompt=t["dv_entity_prompt"],
                        error=t["dv_entity_error"], formula1=entity_list)
        dv_entity.add(f"A{FIRST_DATA_ROW}:A{last_row}")
        dv_year = _dv("whole", t, title=t["dv_year_title"], prompt=t["dv_year_prompt"], error=t["dv_year_error"],
                      operator="between", formula1=str(YEAR_MIN), formula2=str(YEAR_MAX))
        dv_year.add(f"B{FIRST_DATA_ROW}:B{last_row}")
        # Value cells: one validation per kind. Leaves that allow N/A get a warning only, so "N/A"
        # can still be typed; the others stop invalid entries.
        validations: dict[tuple, DataValidation] = {}

        def validation(leaf: Node, var) -> DataValidation:
            style = "warning" if leaf.not_applicable_allowed else "stop"
            if _is_item(leaf, var):
                key = ("item", style)
                make = lambda: _dv("list", t, title=t["dv_item_title"], prompt=t["dv_item_prompt"],  # noqa: E731
                                   error=t["dv_item_error"], style=style, formula1='"0,1"')
            elif _is_points(leaf, var):
                max_text = format_number(leaf.max_points, lang)
                key = ("points", style, leaf.max_points)
                make = lambda: _dv("decimal", t, title=t["dv_number_title"],  # noqa: E731
                                   prompt=t["dv_points_prompt"].format(max_points=max_text),
                                   error=t["dv_points_error"].format(max_points=max_text), style=style,
                                   operator="between", formula1="0", formula2=f"{leaf.max_points:g}")
            else:
                key = ("number", style)
                make = lambda: _dv("decimal", t, title=t["dv_number_title"],  # noqa: E731
                                   prompt=t["dv_number_na_prompt" if leaf.not_applicable_allowed
                                            else "dv_number_prompt"],
                                   error=t["dv_number_error"], style=style,
                                   operator="greaterThanOrEqual", formula1="0")
            if key not in validations:
                validations[key] = make()
            return validations[key]

        for j, (leaf, var) in enumerate(columns, start=3):
            letter = get_column_letter(j)
            validation(leaf, var).add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        used = [dv_entity, dv_year, *validations.values()]
        for dv in used:
            ws.add_data_validation(dv)

    wb.properties.title = t["title"]
    wb.properties.subject = f"{framework.id}@{framework.version}"
    wb.properties.creator = "DTI Studio"
    neutralise_workbook(wb)  # no cell (an entity or unit name…) can start a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
