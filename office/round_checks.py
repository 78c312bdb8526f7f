"""The checks of what a unit types and attaches, pure: a value against its rule (range, maximum points,
part ≤ whole, whole numbers for counts) with the reason in words, and a file's content against its type."""
from __future__ import annotations

import io
import math

from office.round_rules import EPS
from scoring.framework import Framework

# Units of measure that are not counts (a fraction is fine): points, money, thousands, shares.
NOT_COUNTS = {"", "điểm", "đồng", "tỷ đồng", "triệu đồng", "nghìn đồng", "nghìn người", "%", "0/1"}

def is_count(unit_of_measure: str | None) -> bool:
    """Whether a variable counts things (people, documents, meetings): whole numbers only."""
    return (unit_of_measure or "").strip() not in NOT_COUNTS


def value_problems(view: Framework, values: dict) -> list[dict]:
    """What a criterion's rule refuses in values {(code, variable): float | None | "na"} (missing and N/A are
    not problems here; completeness is submit's): one dict per problem with code, variable, kind and the
    numbers a sentence needs —
      negative            value < 0
      not_whole           a fraction in a count (variable's unit is a count)           value
      not_binary          a yes/no item other than 0 or 1                               value
      over_max            a direct criterion's points above its maximum                 value, limit
      part_exceeds_whole  a part above its whole (variable = the part's first variable) value, limit (the
                          whole), whole (its variables)
      zero_whole          a whole of 0 with a part given (variable = the whole's first)
    Criteria not in the view are ignored (the caller checks the codes)."""
    from scoring.rules import item_variables, ratio_pairs

    out: list[dict] = []

    def got(code, var):
        v = values.get((code, var))
        return None if v is None or v == "na" or (isinstance(v, float) and math.isnan(v)) else float(v)

    codes = {c for c, _ in values}
    for code in [leaf.code for leaf in view.leaves if leaf.code in codes]:
        leaf = view.nodes[code]
        rule = leaf.rule or {}
        items = set(item_variables(rule))
        for var in leaf.variables:
            v = got(code, var.name)
            if v is None:
                continue
            base = {"code": code, "variable": var.name, "value": v}
            if v < 0:
                out.append({**base, "kind": "negative"})
            elif var.unit == "0/1" or var.name in items:
                if v not in (0.0, 1.0):
                    out.append({**base, "kind": "not_binary"})
            elif is_count(var.unit) and abs(v - round(v)) > EPS:
                out.append({**base, "kind": "not_whole"})
        if rule.get("type") == "direct":
            v = got(code, rule["variable"])
            if v is not None and v > leaf.max_points + EPS:
                out.append({"code": code, "variable": rule["variable"], "value": v, "kind": "over_max",
                            "limit": float(leaf.max_points)})
        if rule.get("part_of_whole", True) is False:
            continue
        seen = set()
        for num, den in ratio_pairs(rule):
            nv, dv = [got(code, n) for n in num], [got(code, d) for d in den]
            if any(x is None for x in nv + dv) or (tuple(num), tuple(den)) in seen:
                continue
            seen.add((tuple(num), tuple(den)))
            n, d = sum(nv), sum(dv)
            if d <= 0 and n > 0:
                out.append({"code": code, "variable": den[0], "value": d, "kind": "zero_whole",
                            "whole": list(den), "part": list(num)})
            elif d > 0 and n > d * (1 + 1e-9):
                out.append({"code": code, "variable": num[0], "value": n, "kind": "part_exceeds_whole",
                            "limit": d, "whole": list(den), "part": list(num)})
    return out


# File kinds by their first bytes (a file named .pdf must be a PDF): OLE2 for legacy Office, ZIP with the
# right part for OOXML and OpenDocument.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

def content_matches(ext: str, content: bytes) -> bool:
    """Whether a file's bytes are what its extension says (PDF, JPEG, PNG, doc/xls, docx/xlsx, odt/ods)."""
    ext = (ext or "").lower()
    head = content[:1024]
    if ext == "pdf":
        return b"%PDF-" in head
    if ext in ("jpg", "jpeg"):
        return content[:3] == b"\xff\xd8\xff"
    if ext == "png":
        return content[:8] == b"\x89PNG\r\n\x1a\n"
    if ext in ("doc", "xls"):
        return content[:8] == OLE2
    if ext in ("docx", "xlsx", "odt", "ods"):
        if content[:4] != b"PK\x03\x04":
            return False
        import zipfile
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                names = set(z.namelist())
                if ext in ("odt", "ods"):
                    want = "application/vnd.oasis.opendocument." + ("text" if ext == "odt" else "spreadsheet")
                    return "mimetype" in names and z.read("mimetype")[:200].decode("ascii", "replace").strip() == want
                part = "word/document.xml" if ext == "docx" else "xl/workbook.xml"
                return "[Content_Types].xml" in names and part in names
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
            return False
    return False
