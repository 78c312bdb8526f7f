"""One path for a user's file: bytes → validated long table. Pure: no DuckDB, no Streamlit.

`parse_inputs(source, file_name, framework, resolver)` returns a `ParsedImport`: the long table
(`entity, year, indicator, variable, value, not_applicable, sheet, row, column`) and every problem found,
each an `ImportProblem` naming the file, the sheet (Excel), the row and the column as the user sees them
and what is expected instead (Vietnamese, English too). It never raises for anything in a file. The same
path serves the importer (office/imports.py), the agency workbooks (office/collection.py), unit figures,
and, through its steps, unit lists (loaders/units.py) and targets (loaders/targets.py).

The steps, each a plain function in its own module, called in this order:

1. read      `loaders.read.read_grids`       bytes → one `Grid` per table (CSV, or each sheet), limits
                                              checked while reading (`loaders.readers`, `loaders.limits`)
2. layout    `loaders.layout.detect_layout`  header row found; long, wide, or neither (a problem)
3. melt      `loaders.melt.melt`             every table → one long table of value cells (`CellTable`),
                                              entities and years resolved
4. checks    `loaders.checks.check_values`   numbers, units, negatives, duplicates as column operations,
             `loaders.checks.engine_checks`  then the scoring engine's input checks, by cell
5. result    `loaders.result`                `Problems` collected in file order → `ParsedImport`

What one cell means (numbers, years, yes/no, N/A, percentages, variable kinds) is in `loaders.cells`; entity
names in `loaders.names`; what a file is read against (framework columns, units) in `loaders.context`.
This module keeps the names the rest of the code imports (`parse_inputs`, `ParsedImport`, `ImportProblem`,
`EntityResolver`, `parse_number`, `fold`, `load_catalog`, `load_provinces`, `format_number`, `variable_kind`…).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from loaders import limits
from loaders.cells import (KIND_AMOUNT, KIND_COUNT, KIND_ITEM, NO_WORDS, NOT_APPLICABLE_WORDS, YEAR_MAX, YEAR_MIN,
                           YES_WORDS, classify_value, fold, is_not_applicable, is_percent, parse_number, parse_year,
                           unit_takes_percent, variable_kind)
from loaders.checks import Records, check_values, engine_checks
from loaders.context import ImportContext
from loaders.layout import HEADER_SCAN_ROWS, detect_layout
from loaders.melt import CellTable, melt
from loaders.names import DEFAULT_ALIASES, EntityResolver, ProvinceReference, load_provinces
from loaders.read import CSV_EXTENSIONS, EXCEL_EXTENSIONS, read_bytes, read_grids
from loaders.result import (DATA_COLUMNS, ImportProblem, ParsedImport, Problems, empty_records, format_number,
                            load_catalog, name_criteria, shorten)
from scoring.framework import Framework

__all__ = [
    "CSV_EXTENSIONS", "DATA_COLUMNS", "DEFAULT_ALIASES", "EXCEL_EXTENSIONS", "HEADER_SCAN_ROWS", "KIND_AMOUNT",
    "KIND_COUNT", "KIND_ITEM", "NOT_APPLICABLE_WORDS", "NO_WORDS", "YEAR_MAX", "YEAR_MIN", "YES_WORDS",
    "EntityResolver", "ImportProblem", "ParsedImport", "ProvinceReference", "classify_value", "fold",
    "format_number", "is_not_applicable", "is_percent", "load_catalog", "load_provinces", "parse_inputs",
    "parse_number", "parse_year", "shorten", "unit_takes_percent", "variable_kind",
]


# Former private names other modules imported before the split (kept so code written against them works).
from loaders.cells import (_AMB, _BAD, _EV_EN, _EV_NONE, _EV_VI, _FORMULA, _NA, _NO, _NONFINITE,  # noqa: E402,F401
                           _NUM, _YES, _cell_text)
from loaders.read import csv_delimiter_for as _csv_delimiter_for, decode_csv as _decode_csv  # noqa: E402,F401

_read_bytes = read_bytes


def parse_inputs(source: Any, file_name: str | None, framework: Framework,
                 resolver: EntityResolver | None = None, default_year: int | None = None) -> ParsedImport:
    """Read a CSV or Excel (.xlsx) file of inputs into a ParsedImport (data + problems). Writes nothing,
    never raises for anything in the file: every failure is an ImportProblem naming the file.

    `source`: a path, bytes or a file object; `file_name` gives the type (by extension) and names the
    file in messages (default: the path's name). `resolver` maps entity names (default: the 34
    provinces of 2025). `default_year` is used where the file has no year column or an empty year cell.
    """
    if file_name is None:
        file_name = Path(source).name if isinstance(source, (str, Path)) else "?"
    raw = read_bytes(source, limits.MAX_UPLOAD_BYTES)
    ctx = ImportContext.of(framework, resolver or EntityResolver.provinces_2025(), file_name, default_year)
    problems = Problems(file_name)
    table = CellTable()
    out = Records()
    try:
        grids = read_grids(raw, ctx, problems)
        for grid in grids:
            problems.start_table()
            found = detect_layout(ctx, problems, grid)
            if found is not None:
                melt(ctx, problems, table, grid, *found)
        grids = grid = None  # memory: the grids are not needed once their cells are taken
        out = check_values(ctx, problems, table)
        problems.flush()
        if not problems.problems and out.records.empty:
            # nothing recognised at all, or recognised tables (e.g. an unfilled template) without a value
            problems.add("no_values" if table.forms else "empty_file", None, None, None)
            problems.flush()
        engine_checks(ctx, problems, table, out)
    except MemoryError:
        problems.problems = [ImportProblem(file_name, None, None, None, "too_many_cells", {"limit": limits.MAX_CELLS})]
        out.records = empty_records()
    except Exception as exc:  # noqa: BLE001 - the last net: a user never sees a traceback
        problems.problems.append(ImportProblem(file_name, None, None, None, "read_failed",
                                               {"error": type(exc).__name__}))
        out.records = empty_records()
    return ParsedImport(
        data=out.records,
        problems=name_criteria(problems.problems, framework),
        form=table.forms[0] if table.forms else "unknown",
        file_name=file_name,
        sha256=hashlib.sha256(raw).hexdigest(),
        n_rows=table.n_rows,
    )
