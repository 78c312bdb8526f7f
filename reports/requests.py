"""`python -m reports requests --framework dti_province_2025 --year 2025 --province "Gia Lai"
--deadline 15/03/2026 --out DIR [--inputs CSV]`: one .xlsx per lead agency (named after it) asking for the
figures of the components it leads, with definitions, units, last year's values and the deadline.

Last year's values come only from the province's own (or published) figures given with `--inputs`
(labelled with their origin: a `flag` column when the CSV has one, else "self-assessed"); a SAMPLE file
is refused (agencies must never receive invented numbers). Without `--inputs` the column stays empty."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pandas as pd

from office import collection as col
from scoring.framework import FrameworkError, display_code, load_framework


def add_arguments(p) -> None:
    p.add_argument("--framework", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", required=True, help="folder the workbooks are written to (created if needed)")
    p.add_argument("--province", default=None, help="default: focus_entity of data/config.toml")
    p.add_argument("--deadline", default=None, help="YYYY-MM-DD or DD/MM/YYYY")
    p.add_argument("--inputs", default=None,
                   help="long CSV (entity,year,indicator,variable,value[,flag]) of the province's own or published "
                        "figures giving last year's values (never SAMPLE)")


def _province() -> str:
    import os
    import tomllib

    cfg = Path(__file__).resolve().parent.parent / "data" / "config.toml"
    return os.environ.get("DTI_STUDIO_FOCUS") or tomllib.loads(cfg.read_text("utf-8")).get("focus_entity", "Gia Lai")


def _date(text: str | None) -> date | None:
    if not text:
        return None
    if "/" in text:
        d, m, y = (int(x) for x in text.split("/"))
        return date(y, m, d)
    return date.fromisoformat(text)


def run(args) -> int:
    try:
        fw = load_framework(args.framework)
    except (FrameworkError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(fw.unit_levels) > 1 or fw.unit_levels != ("province",):
        print(f"error: {fw.id} scores units, not a province: a collection round asks a province's agencies",
              file=sys.stderr)
        return 2
    try:
        deadline = _date(args.deadline)
    except ValueError:
        print(f"error: --deadline {args.deadline!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)", file=sys.stderr)
        return 2
    province = args.province or _province()
    from dashboard import fmt, provenance

    last = None
    if args.inputs:
        df = pd.read_csv(args.inputs, dtype={"indicator": str, "variable": str, "entity": str})
        flags = df["flag"].astype(str).str.strip() if "flag" in df else pd.Series("self_assessed", index=df.index)
        if "sample" in Path(args.inputs).name.lower() or flags.eq("sample").any():
            print(f"error: {args.inputs} là DỮ LIỆU MẪU (SAMPLE): giá trị năm trước chỉ lấy từ số liệu của tỉnh "
                  "hoặc số liệu đã công bố — the SAMPLE file is never sent to agencies", file=sys.stderr)
            return 2
        last = df.loc[(df["entity"] == province) & (df["year"] == args.year - 1)]
        last = last.assign(not_applicable=last["value"].astype(str).str.strip().str.lower().isin({"n/a", "na", "kad"}),
                           origin=[provenance.label(provenance.kind_of(f) or "self_assessed", "vi")
                                   for f in flags.loc[last.index]])
        last = last.assign(value=pd.to_numeric(last["value"].astype(str).str.replace(",", "."), errors="coerce"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    made_on = fmt.vn_date(pd.Timestamp.now(tz="UTC"))
    for agency, codes in col.agency_leaves(fw).items():
        path = out / f"{col.file_stem(agency)}_{args.year}.xlsx"
        path.write_bytes(col.build_request_workbook(fw, agency, codes, province, args.year, deadline, last,
                                                    made_on=made_on))
        print(f"{path}\t{agency}\t{len(codes)} chỉ số: {', '.join(map(display_code, codes))}")
    return 0
