"""A generated corpus of good and bad input files for the mini framework (tests/fixtures/mini.toml).

`corpus(seed, n)` yields `Case(name, file_name, raw, bad, expect)`: `bad` is True when the file holds a
problem the importer must refuse; `expect` names the problem code the new reader must report
(None for good files). `TRUST_CHANGES` lists the mutations whose outcome the trust rules of issue 9
change on purpose (the old row-by-row reader accepted them silently, refused a valid file, or crashed).
Deterministic for a seed; no file is written to disk.
"""
from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from dataclasses import dataclass

import openpyxl

ENTITIES = ["Gia Lai", "Huế", "Hà Nội", "Đắk Lắk", "Hồ Chí Minh"]
VALID = {
    "A.1.1": {"a": 5, "b": 10},
    "A.1.2": {"a": 100, "b": 50, "c": 100, "d": 50},
    "A.1.3": {"a": 1, "b": 1},
    "A.2": {"item1": 1, "item2": 0, "item3": 1},
    "B.1": {"a": 100, "b": 20, "c": 30},
    "B.2": {"total": 100, "layer4": 10, "layer3": 20, "layer2": 30, "layer1": 40},
    "B.3": {"n": 3},
    "B.4": {"infected": 5, "machines": 100},
    "B.5": {"points": 3.5},
}
LONG_HEADER = ["tỉnh", "năm", "chỉ số", "biến", "giá trị"]

# mutation -> (problem code the new reader reports, or None when the file stays valid)
MUTATIONS = {
    "none": None,
    "unknown_entity": "unknown_entity",
    "former_entity": "unknown_entity",
    "missing_entity": "missing_entity",
    "bad_year_text": "bad_year",
    "year_out_of_range": "bad_year",
    "missing_year": "missing_year",
    "unknown_indicator": "unknown_indicator",
    "unknown_variable": "unknown_variable",
    "not_a_number": "not_a_number",
    "negative": "negative",
    "duplicate": "duplicate",
    "drop_variable": "missing_variable",
    "part_exceeds_whole": "part_exceeds_whole",
    "zero_denominator": "zero_denominator",
    "na_not_allowed": "na_not_allowed",
    "item_not_binary": "item_not_binary",
    "points_out_of_range": "points_out_of_range",
    "header_garbage": "header_not_recognised",
    "vietnamese_numbers": None,  # "5,0" and "1.000" with the file's decimal comma: valid in both readers
    # trust rules (issue 9): the outcome changes on purpose
    "ambiguous_number": "ambiguous_number",
    "yes_word_in_count": "word_not_number",
    "huge_number": "not_finite",
    "nan_text": "not_finite",
    "negative_year": "bad_year",
    "year_with_zero_decimal": None,
    "extra_field": "extra_fields",
    "formula_without_value": "formula_no_value",
    "huge_cell": "cell_too_long",
    "broken_xml": "xml_error",
    "control_char_xml": "xml_error",
}
TRUST_CHANGES = {"ambiguous_number", "yes_word_in_count", "huge_number", "nan_text", "negative_year",
                 "year_with_zero_decimal", "extra_field", "formula_without_value", "huge_cell", "broken_xml",
                 "control_char_xml"}
CSV_ONLY = {"extra_field", "huge_cell"}
XLSX_ONLY = {"formula_without_value", "broken_xml", "control_char_xml"}


@dataclass
class Case:
    name: str
    file_name: str
    raw: bytes
    bad: bool
    expect: str | None
    mutation: str


def _base(rng: random.Random):
    entities = rng.sample(ENTITIES, rng.randint(1, 3))
    years = rng.sample([2025, 2026, 2027], rng.randint(1, 2))
    return [(e, y, ind, var, v) for e in entities for y in years for ind, vs in VALID.items() for var, v in vs.items()]


def _mutate(records: list, mutation: str, rng: random.Random) -> tuple[list, dict]:
    recs = [list(r) for r in records]
    extra: dict = {}
    pick = rng.randrange(len(recs))

    def find(ind, var=None):
        idx = [i for i, r in enumerate(recs) if r[2] == ind and (var is None or r[3] == var)]
        return rng.choice(idx)

    if mutation == "unknown_entity":
        e = recs[pick][0]
        for r in recs:
            if r[0] == e:
                r[0] = "Atlantis"
    elif mutation == "former_entity":
        e = recs[pick][0]
        for r in recs:
            if r[0] == e:
                r[0] = "Bình Định"
    elif mutation == "missing_entity":
        recs[pick][0] = None
    elif mutation == "bad_year_text":
        recs[pick][1] = "2025a"
    elif mutation == "year_out_of_range":
        recs[pick][1] = 2050
    elif mutation == "missing_year":
        recs[pick][1] = None
    elif mutation == "negative_year":
        recs[pick][1] = "-2025"
    elif mutation == "year_with_zero_decimal":
        y = recs[pick][1]
        for r in recs:
            if r[1] == y:
                r[1] = f"{y}.0"
    elif mutation == "unknown_indicator":
        recs[pick][2] = "Z.9"
    elif mutation == "unknown_variable":
        recs[find("B.3")][3] = "m"
    elif mutation == "not_a_number":
        recs[find("B.1", "a")][4] = "hai"
    elif mutation == "negative":
        recs[find("B.3")][4] = "-2"
    elif mutation == "duplicate":
        recs.append(list(recs[pick]))
    elif mutation == "drop_variable":
        del recs[find("A.1.1", "b")]
    elif mutation == "part_exceeds_whole":
        i = find("A.1.1", "a")
        recs[i][4] = 20
    elif mutation == "zero_denominator":
        i = find("B.4", "machines")
        recs[i][4] = 0
        j = [k for k, r in enumerate(recs) if r[:3] == recs[i][:3] and r[3] == "infected"][0]
        recs[j][4] = 0
    elif mutation == "na_not_allowed":
        recs[find("B.3")][4] = "N/A"
    elif mutation == "item_not_binary":
        recs[find("A.2", "item1")][4] = 2
    elif mutation == "points_out_of_range":
        recs[find("B.5")][4] = 9
    elif mutation == "vietnamese_numbers":
        for r in recs:
            if r[2] == "B.5":
                r[4] = "3,5"
            if r[2] == "A.1.1" and r[3] == "b":
                r[4] = "1.000"
    elif mutation == "ambiguous_number":
        for r in recs:
            if r[2] == "B.5":
                r[4] = 3  # no decimal in the file: the convention is unknown
        recs[find("A.1.1", "b")][4] = "1.000"
    elif mutation == "yes_word_in_count":
        recs[find("B.3")][4] = rng.choice(["có", "x", "TRUE"])
    elif mutation == "huge_number":
        recs[find("B.1", "a")][4] = rng.choice(["1e309", "9" * 400])
    elif mutation == "nan_text":
        recs[find("B.1", "a")][4] = "NaN"
    elif mutation == "extra_field":
        extra["extra_field_at"] = pick
    elif mutation == "formula_without_value":
        recs[find("B.1", "a")][4] = "=SUM(1,2)"
    elif mutation == "huge_cell":
        recs[find("B.1", "a")][4] = "1" * 140_000
    return recs, extra


def _long_rows(recs):
    return [LONG_HEADER] + [list(r) for r in recs]


def _wide_rows(recs):
    cols = list(dict.fromkeys(f"{r[2]}.{r[3]}" for r in recs))
    keys = list(dict.fromkeys((r[0], r[1]) for r in recs))
    table = {k: {} for k in keys}
    dups = []
    for r in recs:
        cell = table[(r[0], r[1])]
        name = f"{r[2]}.{r[3]}"
        if name in cell:
            dups.append(r)
        cell[name] = r[4]
    rows = [["entity", "year"] + cols] + [[k[0], k[1]] + [table[k].get(c) for c in cols] for k in keys]
    for r in dups:  # a duplicate becomes a second row for the same entity-year
        rows.append([r[0], r[1]] + [r[4] if c == f"{r[2]}.{r[3]}" else None for c in cols])
    return rows


def _csv(rows, delimiter, extra_at=None):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for i, row in enumerate(rows):
        cells = ["" if v is None else v for v in row]
        w.writerow(cells)
    text = buf.getvalue()
    if extra_at is not None:
        lines = text.split("\r\n")
        k = 1 + extra_at % (len(lines) - 2)
        lines[k] = lines[k] + delimiter + "569"
        text = "\r\n".join(lines)
    return text.encode("utf-8")


def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nhập liệu"
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _edit_sheet(raw: bytes, edit) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            zout.writestr(item, data)
    return out.getvalue()


def corpus(seed: int = 0, n: int = 200):
    """n cases, cycling through every mutation × {csv, xlsx} × {long, wide}."""
    rng = random.Random(seed)
    names = list(MUTATIONS)
    combos = [(m, fmt, form) for m in names for fmt in ("csv", "xlsx") for form in ("long", "wide")
              if not (fmt == "xlsx" and m in CSV_ONLY) and not (fmt == "csv" and m in XLSX_ONLY)]
    for i in range(n):
        mutation, fmt, form = combos[i % len(combos)]
        recs, extra = _mutate(_base(rng), mutation, rng)
        rows = _long_rows(recs) if form == "long" else _wide_rows(recs)
        if mutation == "header_garbage":
            rows[0] = ["foo", "bar"] + [None] * (len(rows[0]) - 2)
        if fmt == "csv":
            raw = _csv(rows, rng.choice([",", ";"]), extra.get("extra_field_at"))
        else:
            raw = _xlsx(rows)
            if mutation == "broken_xml":
                raw = _edit_sheet(raw, lambda x: x.replace("</sheetData>", ""))
            elif mutation == "control_char_xml":
                raw = _edit_sheet(raw, lambda x: re.sub(r"<v>(\d)", "<v>\x01\\1", x, count=1))
        expect = MUTATIONS[mutation]
        yield Case(f"{i:03d}-{mutation}-{form}.{fmt}", f"c{i:03d}.{fmt}", raw, expect is not None, expect, mutation)
