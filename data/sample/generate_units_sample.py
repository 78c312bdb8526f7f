#!/usr/bin/env python
"""Generate the SAMPLE units of one province and their SAMPLE figures (DỮ LIỆU MẪU — NOT real figures).

    .venv/bin/python data/sample/generate_units_sample.py [--seed 20251001] [--quiet]

(run from the repository root). Writes into data/sample/:
- `SAMPLE_units_Hue.csv`: a unit list of Huế (the 34-group name of Thừa Thiên Huế): 14 departments,
  20 communes/wards (from 1 July 2025) and the 9 districts of the years before (abolished 1 July 2025).
  The names are those of real units, used only to make the sample readable; every figure is invented.
- `SAMPLE_units_appraised_<framework>.csv`: SAMPLE appraised figures (thẩm định) for the years in
  `APPRAISED_YEARS`: the self-assessed ones with about one criterion in five cut by the appraisal.
- `SAMPLE_units_inputs_<framework>.csv`: long form `entity,year,indicator,variable,value` for every
  framework in `FRAMEWORK_YEARS` that exists in data/frameworks, for the levels it scores and the years
  below, every variable of every leaf that applies to the unit's level, so each unit-year scores cleanly.

How: one `numpy.random.default_rng(seed)`. Each unit gets a latent capability c ~ Beta(4, 3) and each
year a drift (+0.03 a year on average); each leaf a difficulty d ~ N(0, 0.12). The desired points
fraction f = clip(c + drift + d + noise(0.10), 0, 1) is turned into raw figures by inverting the rule:
direct points = round(f × max, 1); ratios → part = round(f × whole) of a plausible whole; items → 0/1
drawn with probability f; counts → round(f × cap / points per event). Same seed ⇒ same files.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scoring.framework import Framework, available_frameworks, load_framework  # noqa: E402
from scoring.rules import ratio_pairs, resolve_param  # noqa: E402

SAMPLE_DIR = Path(__file__).resolve().parent
PROVINCE = "Huế"
DEFAULT_SEED = 20251001
# framework id → {level: years}. Districts exist only before 1 July 2025; communes only from then.
FRAMEWORK_YEARS = {
    "hue_units": {"department": (2023, 2024, 2025), "district": (2023, 2024), "commune": (2025, 2026)},
    "dti_district_2021": {"district": (2021, 2022, 2023, 2024)},
    "hue_digital_government_2020": {"department": (2023, 2024, 2025), "district": (2023, 2024),
                                    "commune": (2025,), "province": ()},
}

DEPARTMENTS = ["Sở Nội vụ", "Sở Tài chính", "Sở Khoa học và Công nghệ", "Sở Giáo dục và Đào tạo", "Sở Y tế",
               "Sở Xây dựng", "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Văn hóa và Thể thao",
               "Sở Du lịch", "Sở Tư pháp", "Sở Dân tộc và Tôn giáo", "Văn phòng Ủy ban nhân dân thành phố",
               "Thanh tra thành phố"]
COMMUNES = ["Phường Thuận Hóa", "Phường Phú Xuân", "Phường Kim Long", "Phường Vỹ Dạ", "Phường An Cựu",
            "Phường Thủy Xuân", "Phường Hương An", "Phường Hương Trà", "Phường Hương Thủy", "Phường Phú Bài",
            "Phường Phong Điền", "Phường Thuận An", "Phường Mỹ Thượng", "Xã Quảng Điền", "Xã Phú Vang",
            "Xã Phú Lộc", "Xã Chân Mây - Lăng Cô", "Xã Nam Đông", "Xã A Lưới 1", "Xã Bình Điền"]
DISTRICTS = ["Thành phố Huế", "Thị xã Hương Thủy", "Thị xã Hương Trà", "Huyện Phong Điền", "Huyện Quảng Điền",
             "Huyện Phú Vang", "Huyện Phú Lộc", "Huyện Nam Đông", "Huyện A Lưới"]


def unit_list() -> pd.DataFrame:
    rows = [{"Tên đơn vị": n, "Cấp": "Sở, ban, ngành", "Hiệu lực từ": "", "Hiệu lực đến": ""} for n in DEPARTMENTS]
    rows += [{"Tên đơn vị": n, "Cấp": "Xã" if n.startswith("Xã") else "Phường", "Hiệu lực từ": "01/07/2025",
              "Hiệu lực đến": ""} for n in COMMUNES]
    rows += [{"Tên đơn vị": n, "Cấp": "Huyện", "Hiệu lực từ": "", "Hiệu lực đến": "30/06/2025"} for n in DISTRICTS]
    return pd.DataFrame(rows)


UNITS_BY_LEVEL = {"department": DEPARTMENTS, "commune": COMMUNES, "district": DISTRICTS}


def _whole(rng, level: str) -> int:
    return int(rng.integers(20, 400) if level != "commune" else rng.integers(10, 150))


def leaf_values(leaf, f: float, year: int, level: str, rng) -> dict[str, float]:
    """Raw variables that give (about) the points fraction f under the leaf's rule."""
    rule, rtype = leaf.rule, leaf.rule_type
    names = leaf.variable_names()
    out: dict[str, float] = {}
    if rtype == "direct":
        return {rule["variable"]: round(f * leaf.max_points, 1)}
    if rtype == "weighted_items":
        return {item["var"]: float(rng.random() < f) for item in rule["items"]}
    if rtype == "count_capped":
        ppe = float(np.atleast_1d(resolve_param(rule["points_per_event"], np.array([year])))[0])
        cap = float(rule.get("cap", leaf.max_points)) if not isinstance(rule.get("cap"), dict) else leaf.max_points
        out[rule["variable"]] = float(round(f * cap / ppe)) if ppe > 0 else 0.0
    if "gate" in rule:  # a minimum that must be reached before the ratio counts (gated_linear)
        minimum = float(rule["minimum"])
        out[rule["gate"]] = float(minimum + rng.integers(0, 4)) if rng.random() < min(1.0, f + 0.3) else minimum - 1
    share = f
    if rtype == "inverse":  # fewer points as the ratio rises: the ratio that gives about f
        t = rule.get("threshold", 1.0)
        share = (1 - f) * (float(t) if not isinstance(t, dict) else 1.0)
    for num, den in ratio_pairs(rule):
        whole = _whole(rng, level)
        for d in den:
            out.setdefault(d, float(whole if d == den[0] else 0))
        part_total = int(round(min(share, 1.0) * sum(out[d] for d in den)))
        for i, n in enumerate(num):
            out.setdefault(n, float(part_total if i == 0 else 0))
    for n in names:  # anything a rule shape above did not set (e.g. extra items) gets a plausible value
        out.setdefault(n, float(rng.random() < f))
    return out


def generate(fw: Framework, units: dict[str, list[str]], years: dict[str, tuple[int, ...]], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, sum(map(ord, fw.id))])
    records = []
    difficulty = {leaf.code: rng.normal(0, 0.12) for leaf in fw.leaves}
    for level, level_years in years.items():
        if level not in fw.unit_levels or not level_years:
            continue
        view = fw.for_level(level)
        for name in units.get(level, []):
            capability = rng.beta(4, 3)
            for k, year in enumerate(level_years):
                for leaf in view.leaves:
                    f = float(np.clip(capability + 0.03 * k + difficulty[leaf.code] + rng.normal(0, 0.10), 0, 1))
                    for var, value in leaf_values(leaf, f, year, level, rng).items():
                        records.append((name, year, leaf.code, var, value))
    return pd.DataFrame(records, columns=["entity", "year", "indicator", "variable", "value"])


# Appraisal (thẩm định): which SAMPLE years get appraised figures, per framework and level.
APPRAISED_YEARS = {"hue_units": {"department": (2025,), "commune": (2025,)},
                   "dti_district_2021": {"district": (2021, 2022, 2023, 2024)}}


def appraise(fw: Framework, self_values: pd.DataFrame, units: dict[str, list[str]], years: dict, seed: int) -> pd.DataFrame:
    """SAMPLE appraised figures: the self-assessed ones, with about one criterion in five of each unit-year
    cut by the appraisal (points or parts reduced by 10–50%, an item not accepted), as councils do."""
    rng = np.random.default_rng([seed, 7, sum(map(ord, fw.id))])
    level_of = {name: level for level, names in units.items() for name in names}
    keep = self_values.apply(lambda r: int(r["year"]) in years.get(level_of.get(r["entity"]), ()), axis=1)
    out = self_values.loc[keep].copy()
    leaves = {leaf.code: leaf for leaf in fw.leaves}
    cut_keys = {k for k in out[["entity", "year", "indicator"]].drop_duplicates().itertuples(index=False)
                if rng.random() < 0.2}
    factor = rng.uniform(0.5, 0.9, len(out))
    values = out["value"].to_numpy(copy=True)
    for i, (e, y, code, var) in enumerate(zip(out["entity"], out["year"], out["indicator"], out["variable"])):
        if (e, y, code) not in cut_keys:
            continue
        leaf = leaves[code]
        numerators = {n for num, _ in ratio_pairs(leaf.rule) for n in num}
        if leaf.rule_type == "direct" or var in numerators:
            values[i] = np.floor(values[i] * factor[i] * 10) / 10 if leaf.rule_type == "direct" \
                else np.floor(values[i] * factor[i])
        elif leaf.rule_type == "weighted_items" and values[i] == 1 and factor[i] < 0.7:
            values[i] = 0.0
    out["value"] = values
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    unit_list().to_csv(SAMPLE_DIR / "SAMPLE_units_Hue.csv", index=False)
    known = set(available_frameworks())
    for fid, years in FRAMEWORK_YEARS.items():
        if fid not in known:
            continue
        df = generate(load_framework(fid), UNITS_BY_LEVEL, years, args.seed)
        if df.empty:
            continue
        path = SAMPLE_DIR / f"SAMPLE_units_inputs_{fid}.csv"
        df.to_csv(path, index=False)
        if not args.quiet:
            print(f"{path.name}: {len(df)} values, {df['entity'].nunique()} units, years {sorted(df['year'].unique())}")
        if fid in APPRAISED_YEARS:
            appraised = appraise(load_framework(fid), df, UNITS_BY_LEVEL, APPRAISED_YEARS[fid], args.seed)
            apath = SAMPLE_DIR / f"SAMPLE_units_appraised_{fid}.csv"
            appraised.to_csv(apath, index=False)
            if not args.quiet:
                changed = (appraised["value"].to_numpy() != df.loc[appraised.index, "value"].to_numpy()).sum()
                print(f"{apath.name}: {len(appraised)} values, {changed} cut by the appraisal")


if __name__ == "__main__":
    main()
