#!/usr/bin/env python
"""Generate the SAMPLE raw inputs of DTI Studio (DỮ LIỆU MẪU — generated, NOT real figures).

    /work/venv/bin/python data/sample/generate_sample.py [--seed 20250701] [--out PATH] [--quiet]

(run from the repository root). Writes `data/sample/SAMPLE_inputs_dti_province_2025.csv`: long form
`entity,year,indicator,variable,value` for the 34 post-merger provinces (canonical names = the
distinct `new_province_2025` of data/reference/provinces_2025.csv), years 2024 and 2025, every
variable of every leaf of the framework `dti_province_2025`, so every entity-year scores cleanly.

How (all randomness from one `numpy.random.default_rng(seed)`; same seed ⇒ byte-identical file):

1. 2024 target totals (0–1 = points / 1000). The published 2024 figures for the 34 provinces
   (data/reference/dti_public_results.csv, year 2024, group 34) are used exactly where a value is
   published and fix the rank where only a rank is; every other province gets a place in the fixed
   order `LADDER_2024` below and a value linearly interpolated by rank between the nearest known
   values (rank 34 = 0.6000 is our SAMPLE choice). The published 2024 values were computed under the
   previous method (QĐ 405); the sample only mimics that picture under the new draft method.
2. A "desired points fraction" f per province × leaf: target level + main-index offset (seeded) +
   a common leaf difficulty (`LEAF_DIFFICULTY`) + seeded noise. Gia Lai's 2024 profile follows its own
   2024 points from seed 001 (data/reference/gia_lai_seed001_summary.csv: points / QĐ 405 maximum;
   main 5 = 63.99/150 and main 6 = 71.22/150, its weakest main indices).
3. Each f is turned into a ratio by inverting the leaf's rule (linear: ratio = f; threshold t:
   ratio = f·t below 1, a ratio ≥ t above; all_or_nothing: the whole when f ≥ 0.8 else a little short of it;
   weighted items: the 0/1 items whose weighted share is closest to f) and into raw counts: wholes
   from a rough SAMPLE size of each province (population, GRDP per person → households, civil
   servants, dossiers, enterprises, budget…), parts = round(ratio × whole) so a part never exceeds its
   whole. Counts are integers; money (tỷ đồng) has 2 decimals.
4. Calibration: one shift per entity-year is added to f of the "fine" leaves (continuous ratios with
   large wholes; items, all-or-nothing and small wholes stay as drawn) and found by bisection with the
   real engine (`scoring.score`) until the total hits its target; then one large-whole count is nudged
   so the total matches to ~1e-4 points.
5. 2025: each province's target moves by a seeded growth (mostly up, a few down, a few places of rank
   change); components evolve from the calibrated 2024 fractions plus the growth, a per-leaf trend
   (`LEAF_TREND_2025`, e.g. 5G roll-out) and noise. Gia Lai improves but is placed at a seeded rank
   24–28, outside the top 20. Year-dependent thresholds (e.g. 4.5) use the year's own value.
"""
from __future__ import annotations

import argparse
import io
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so `import scoring` works when run as a script
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scoring.engine import INPUT_COLUMNS, InputMatrix, score  # noqa: E402
from scoring.framework import ROOT_CODE, Framework, load_framework  # noqa: E402
from scoring.rules import resolve_param  # noqa: E402

FRAMEWORK_ID = "dti_province_2025"
DEFAULT_SEED = 20250701
YEARS = (2024, 2025)
SAMPLE_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = SAMPLE_DIR / f"SAMPLE_inputs_{FRAMEWORK_ID}.csv"
REFERENCE = ROOT / "data" / "reference"
PLAN_ENTITY = "Gia Lai"
GIA_LAI_RANK_2025 = (24, 28)  # Gia Lai's 2025 SAMPLE rank is drawn in this range (outside the top 20)
LAST_VALUE_2024 = 0.6000  # SAMPLE choice for rank 34 (nothing published)
TOLERANCE_POINTS = 0.01  # every total is within this many points (of 1000) of its target

# Fixed 2024 order (rank 1 → 34). Published ranks (dti_public_results.csv, 2024, group 34): Hà Nội 1,
# Huế 2, Hải Phòng 3, Hồ Chí Minh 4, Thanh Hóa 5, Điện Biên 6, Hà Tĩnh 7, Thái Nguyên 8, Lào Cai 14, Khánh Hòa 16,
# Đà Nẵng 17, Gia Lai 31 — the generator checks this list against the file. Cao Bằng last follows the
# headline of the cited VTC News article ("… Cao Bằng đứng cuối bảng"). The rest is OUR SAMPLE ORDER,
# loosely after the 2022–2023 63-province ranks of each new province's larger parts.
LADDER_2024 = [
    "Hà Nội", "Huế", "Hải Phòng", "Hồ Chí Minh", "Thanh Hóa", "Điện Biên", "Hà Tĩnh", "Thái Nguyên",
    "Quảng Ninh", "Cần Thơ", "Bắc Ninh", "Lạng Sơn", "Ninh Bình", "Lào Cai", "Phú Thọ",
    "Khánh Hòa", "Đà Nẵng",
    "Tây Ninh", "Đồng Nai", "Quảng Ngãi", "Vĩnh Long", "Lâm Đồng", "Đồng Tháp", "Hưng Yên",
    "Tuyên Quang", "Sơn La", "Nghệ An", "Quảng Trị", "An Giang", "Đắk Lắk",
    "Gia Lai", "Cà Mau", "Lai Châu", "Cao Bằng",
]

# Rough SAMPLE sizes, NOT statistics: population 2024 (thousand people, merged provinces) and GRDP per
# person (million VND). They only set the scale of the raw counts.
PROFILE = {
    "Hà Nội": (8700, 150), "Hồ Chí Minh": (14000, 160), "Hải Phòng": (4700, 150), "Huế": (1200, 75),
    "Đà Nẵng": (3100, 90), "Cần Thơ": (4200, 80), "Thanh Hóa": (3800, 85), "Nghệ An": (3500, 60),
    "Hà Tĩnh": (1350, 90), "Điện Biên": (640, 45), "Lai Châu": (480, 55), "Sơn La": (1300, 55),
    "Cao Bằng": (550, 45), "Lạng Sơn": (810, 60), "Quảng Ninh": (1400, 200), "Thái Nguyên": (1800, 100),
    "Tuyên Quang": (1900, 55), "Lào Cai": (1800, 75), "Phú Thọ": (4000, 95), "Bắc Ninh": (3600, 170),
    "Hưng Yên": (3600, 90), "Ninh Bình": (4400, 85), "Quảng Trị": (1900, 65), "Quảng Ngãi": (2200, 85),
    "Gia Lai": (3600, 75), "Khánh Hòa": (2300, 90), "Lâm Đồng": (3900, 80), "Đắk Lắk": (3300, 60),
    "Đồng Nai": (4500, 120), "Tây Ninh": (3300, 100), "Vĩnh Long": (4300, 65), "Đồng Tháp": (4400, 70),
    "Cà Mau": (2600, 70), "An Giang": (4900, 70),
}

# Common leaf difficulty (added to every province's desired fraction): hard targets lower, easy higher.
LEAF_DIFFICULTY = {
    "1.1": -0.25, "1.2": -0.20, "1.3": 0.05, "1.5": 0.05, "1.6": -0.10,
    "2.1": 0.25, "2.2": -0.20, "2.4": -0.10,
    "3.1": 0.10, "3.2": -0.05,
    "4.1": 0.10, "4.3": 0.10, "4.4": 0.05, "4.5": 0.15, "4.6": -0.10,
    "5.1": -0.10, "5.2": -0.15, "5.3": -0.10, "5.4": -0.15,
    "6.1": 0.10, "6.2": 0.05, "6.3": -0.25, "6.5": -0.05,
}
# Extra 2025 movement of a leaf on top of the province's growth (5G roll-out, AI, digital signatures…).
LEAF_TREND_2025 = {"1.2": 0.15, "1.6": 0.10, "4.2": 0.05, "5.3": 0.03, "6.3": 0.05}

# Which SAMPLE size is the whole of each leaf variable; unlisted wholes fall back on the unit.
LEAF_WHOLES = {
    "1.1": {"b": "bb_users"}, "1.2": {"b": "pop"}, "1.3": {"b": "households"},
    "1.5": {"b": "platforms_required"},
    "2.1": {"b": "units"}, "2.2": {"c": "civil_servants", "d": "public_employees"},
    "2.3": {"b": "staff_total"}, "2.4": {"b": "pop15"},
    "3.1": {"b": "info_systems"}, "3.2": {"b": "info_systems"},
    "4.2": {"b": "ndxp_services"}, "4.3": {"b": "ps_users"}, "4.4": {"a": "dossiers"},
    "4.5": {"a": "raters_citizens", "c": "raters_business"}, "4.6": {"c": "budget"},
    "5.1": {"b": "grdp"}, "5.2": {"b": "pop_k"}, "5.3": {"b": "retail"}, "5.4": {"b": "enterprises"},
    "6.1": {"b": "pop14"}, "6.2": {"b": "pop15"}, "6.3": {"b": "pop14"}, "6.4": {"b": "pop"},
    "6.5": {"b": "pop"},
}
UNIT_WHOLES = {
    "người": "pop", "hộ": "households", "tỷ đồng": "grdp", "doanh nghiệp": "enterprises",
    "hệ thống": "info_systems", "hồ sơ": "dossiers", "dịch vụ": "ndxp_services",
    "nghìn người": "pop_k", "cơ quan, đơn vị": "units", "nền tảng": "platforms_required",
}
# Split of a summed part whose variables do not pair with the whole's (4.6: investment / recurrent).
NUMERATOR_SPLIT = {"4.6": {"a": 0.35, "b": 0.65}}
MONEY_UNITS = {"tỷ đồng"}  # written with 2 decimals; everything else is a whole count
ALL_OR_NOTHING_AT = 0.8  # desired fraction from which an all-or-nothing leaf is met
FINE_STEP_POINTS = 0.2  # a ratio leaf whose one-unit step moves < this many points is "fine"


# --- reference data ---------------------------------------------------------------------------

def canonical_provinces() -> list[str]:
    """The 34 post-merger names, in the order of first appearance in provinces_2025.csv."""
    mapping = pd.read_csv(REFERENCE / "provinces_2025.csv", dtype=str)
    return list(dict.fromkeys(mapping["new_province_2025"].str.strip()))


def published_2024() -> pd.DataFrame:
    """Published 2024 results for the 34 provinces: entity, value (may be NaN), rank."""
    raw = pd.read_csv(REFERENCE / "dti_public_results.csv", dtype={"group": str})
    raw = raw.loc[(raw["year"] == 2024) & (raw["group"] == "34")]
    entity = raw["province"].str.replace(r"^TP\.\s*", "", regex=True).str.strip()
    return pd.DataFrame({"entity": entity.to_numpy(), "value": raw["total_value"].to_numpy(dtype=float),
                         "rank": raw["total_rank"].to_numpy(dtype=int)})


def targets_2024() -> dict[str, float]:
    """2024 target total values (0–1) in LADDER_2024 order: published where known, interpolated else."""
    pub = published_2024()
    for e, r in zip(pub["entity"], pub["rank"]):
        if LADDER_2024.index(e) + 1 != r:
            raise ValueError(f"LADDER_2024 puts {e} at {LADDER_2024.index(e) + 1}, published rank is {r}")
    known = {LADDER_2024.index(e): v for e, v in zip(pub["entity"], pub["value"]) if np.isfinite(v)}
    known.setdefault(len(LADDER_2024) - 1, LAST_VALUE_2024)
    xs = sorted(known)
    values = np.interp(np.arange(len(LADDER_2024)), xs, [known[x] for x in xs])
    return {e: float(round(v, 6)) for e, v in zip(LADDER_2024, values)}


def gia_lai_anchor(fw: Framework) -> dict[str, float]:
    """Gia Lai's 2024 points fraction per leaf from seed 001 (points / QĐ 405 max; else its main's)."""
    raw = pd.read_csv(REFERENCE / "gia_lai_seed001_summary.csv", dtype={"code": str})
    raw = raw.set_index("code")
    share = {}
    for code, r in raw.iterrows():
        if pd.notna(r["points_2024"]) and pd.notna(r["max_qd405"]) and r["max_qd405"] > 0:
            share[code] = min(float(r["points_2024"]) / float(r["max_qd405"]), 1.0)
    out = {}
    for main in fw.main_indices():
        leaves = [c for c in main.children if fw.nodes[c].is_leaf]
        main_share = share.get(main.code)
        if main_share is None:
            known = [share[c] for c in leaves if c in share]
            main_share = float(np.mean(known)) if known else None
        for c in leaves:
            if c in share:
                out[c] = share[c]
            elif main_share is not None:
                out[c] = main_share
    return out


# --- sizes ------------------------------------------------------------------------------------

def province_sizes(entities: list[str], rng: np.random.Generator) -> dict[int, dict[str, np.ndarray]]:
    """Rough SAMPLE wholes per year: size key -> array over entities."""
    n = len(entities)
    pop_k = np.array([PROFILE[e][0] for e in entities], dtype=float)
    gdp_pc = np.array([PROFILE[e][1] for e in entities], dtype=float)

    def noise(sd=0.06):
        return np.exp(rng.normal(0.0, sd, n))

    age14 = rng.uniform(0.75, 0.80, n)
    hh_size = rng.uniform(3.2, 3.8, n)
    bb_share = (0.16 + gdp_pc / 900) * noise()
    cs_rate, pe_rate = 0.0016 * noise(), 0.0105 * noise()
    communes = np.clip(np.round(pop_k / 30 * noise(0.1)), 55, 168)
    departments = rng.integers(17, 23, n)
    systems = 30 + pop_k / 60 * noise(0.15)
    ps_rate, dossier_rate, rater_rate = 0.2 * noise(), 0.5 * noise(0.1), 0.025 * noise(0.15)
    ent_rate, brater_rate = gdp_pc / 12 * noise(0.1), 0.2 * noise(0.15)
    gdp_noise, budget_rate, retail_rate = noise(0.03), 0.14 * noise(0.1), 0.5 * noise(0.1)

    out = {}
    for k, year in enumerate(YEARS):
        def grow(rate):
            return (1.0 + rate) ** k

        pop = np.round(pop_k * 1000 * grow(0.009))
        pop14 = np.round(pop * age14)
        civil = np.round(pop * cs_rate * grow(-0.07) + 1500)  # 2025: streamlining of the apparatus
        public = np.round(pop * pe_rate * grow(-0.03))
        grdp = np.round(pop_k * gdp_pc * gdp_noise * grow(0.10), 2)
        enterprises = np.round(pop_k * ent_rate * grow(0.05))
        out[year] = {
            "pop": pop, "pop14": pop14, "pop15": np.round(pop14 * 0.985), "pop_k": np.round(pop / 1000),
            "households": np.round(pop / hh_size), "bb_users": np.round(pop * bb_share * grow(0.06)),
            "civil_servants": civil, "public_employees": public, "staff_total": civil + public,
            "units": communes + departments, "info_systems": np.round(systems * grow(0.05)),
            "ndxp_services": np.full(n, 58.0 + 16.0 * k), "platforms_required": np.full(n, 6.0),
            "ps_users": np.round(pop * ps_rate * grow(0.08)), "dossiers": np.round(pop * dossier_rate * grow(0.06)),
            "raters_citizens": np.round(pop * rater_rate * grow(0.10)),
            "raters_business": np.round(enterprises * brater_rate * grow(0.10)),
            "enterprises": enterprises, "grdp": grdp, "budget": np.round(grdp * budget_rate * grow(-0.02), 2),
            "retail": np.round(grdp * retail_rate, 2),
        }
    return out


# --- rule inversion: desired fraction -> raw values -----------------------------------------------

class Leafspec:
    """How one leaf's raw values are made from a desired points fraction."""

    def __init__(self, fw: Framework, code: str):
        node = fw.nodes[code]
        self.code, self.node, self.rule = code, node, node.rule
        self.type = node.rule["type"]
        if self.type not in ("linear", "threshold", "all_or_nothing", "weighted_items"):
            raise NotImplementedError(f"leaf {code}: the sample generator has no inversion for rule "
                                      f"type {self.type!r}")
        self.units = {v.name: v.unit.strip() for v in node.variables}
        self.decimals = {v: (2 if u in MONEY_UNITS else 0) for v, u in self.units.items()}
        self.num = list(self.rule.get("numerator", []))
        self.den = list(self.rule.get("denominator", []))
        self.part_of_whole = bool(self.rule.get("part_of_whole", True))
        if self.type == "weighted_items":
            self.items = [(i["var"], float(i["weight"])) for i in self.rule["items"]]
            combos = list(itertools.product((1, 0), repeat=len(self.items)))  # prefers earlier items on ties
            self.combos = np.array(combos, dtype=float)
            self.shares = self.combos @ np.array([w for _, w in self.items])

    def whole_key(self, var: str) -> str:
        key = LEAF_WHOLES.get(self.code, {}).get(var) or UNIT_WHOLES.get(self.units.get(var, ""))
        if key is None:
            raise KeyError(f"leaf {self.code}: no SAMPLE size for whole {var!r} (unit {self.units.get(var)!r});"
                           " add it to LEAF_WHOLES")
        return key

    def threshold(self, year: int, n: int) -> np.ndarray:
        default = 1.0
        raw = self.rule.get("threshold", default) if self.type != "linear" else default
        return np.broadcast_to(np.asarray(resolve_param(raw, np.full(n, year)), dtype=float), (n,))

    def wholes(self, sizes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {v: sizes[self.whole_key(v)].astype(float) for v in self.den}

    def step_points(self, sizes: dict[str, np.ndarray], year: int) -> float:
        """Largest change in points one unit of the part makes (inf for items / all-or-nothing)."""
        if self.type in ("weighted_items", "all_or_nothing"):
            return float("inf")
        den = sum(self.wholes(sizes).values())
        scale = 10 ** max(self.decimals[v] for v in self.num)
        t = self.threshold(year, len(den))
        return float(np.max(self.node.max_points / (t * den * scale)))

    def ratio(self, f: np.ndarray, year: int) -> np.ndarray:
        t = self.threshold(year, len(f))
        f = np.maximum(f, 0.0)
        if self.type == "linear":
            return np.minimum(f, 1.0)
        if self.type == "threshold":
            # above the threshold: up to the whole for a share, up to twice t for a rate (5.2)
            upper = np.maximum(t, 1.0) if self.part_of_whole else 2.0 * t
            above = t + (upper - t) * np.clip((f - 1.0) / 0.5, 0.0, 1.0)
            return np.where(f < 1.0, f * t, above)
        if self.type == "all_or_nothing":
            # not met: a little short of the threshold (85–99 % of it), closer the higher f
            return np.where(f >= ALL_OR_NOTHING_AT, t,
                            t * (0.85 + 0.14 * np.clip(f / ALL_OR_NOTHING_AT, 0.0, 1.0)))
        raise AssertionError(self.type)

    def values(self, f: np.ndarray, year: int, sizes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = len(f)
        if self.type == "weighted_items":
            pick = np.argmin(np.abs(self.shares[None, :] - np.clip(f, 0, 1)[:, None]) + 1e-9 * self.shares,
                             axis=1)
            return {var: self.combos[pick, i] for i, (var, _) in enumerate(self.items)}
        wholes = self.wholes(sizes)
        den_total = sum(wholes.values())
        r = self.ratio(f, year)
        out = dict(wholes)
        if len(self.num) == len(self.den) and len(self.num) > 1:
            for nv, dv in zip(self.num, self.den):  # pair each part with its own whole (2.2, 4.5)
                out[nv] = np.round(r * wholes[dv], self.decimals[nv])
        else:
            total = r * den_total
            split = NUMERATOR_SPLIT.get(self.code, {v: 1.0 / len(self.num) for v in self.num})
            rest = total.copy()
            for i, nv in enumerate(self.num):
                part = rest if i == len(self.num) - 1 else np.round(total * split[nv], self.decimals[nv])
                out[nv] = np.round(np.maximum(part, 0.0), self.decimals[nv])
                rest = rest - out[nv]
        if self.type == "all_or_nothing":
            t = self.threshold(year, n)
            met = f >= ALL_OR_NOTHING_AT
            need = np.ceil(t * den_total - 1e-9)
            nv = self.num[-1]
            others = sum((out[v] for v in self.num[:-1]), np.zeros(n))
            short = np.minimum(others + out[nv], need - 1)
            out[nv] = np.where(met, np.maximum(need - others, 0), np.maximum(short - others, 0))
        if self.part_of_whole:  # a part never exceeds its whole
            excess = np.maximum(sum(out[v] for v in self.num) - den_total, 0.0)
            out[self.num[-1]] = out[self.num[-1]] - excess
        return out


# --- scoring helpers ------------------------------------------------------------------------------

def build_matrix(fw: Framework, entities: list[str], year: int, values: dict[tuple[str, str], np.ndarray]):
    columns = fw.input_columns()
    mat = np.column_stack([values[tuple(c.rsplit(".", 1))] for c in columns]).astype(float)
    n = len(entities)
    rows = pd.DataFrame({"entity": entities, "year": np.full(n, year, dtype=np.int64)})
    return InputMatrix(rows, columns, mat, np.zeros(mat.shape, dtype=np.int64),
                       np.zeros((n, len(fw.leaves)), dtype=bool))


def total_points(fw: Framework, entities, year, values) -> np.ndarray:
    result = score(fw, build_matrix(fw, entities, year, values))
    return result.points[:, result.codes.index(ROOT_CODE)]


def realise(fw, specs, F, year, sizes, fine, shift):
    """Raw values for desired fractions F (entities × leaves), the shift added on fine leaves."""
    values = {}
    for j, spec in enumerate(specs):
        f = F[:, j] + (shift if fine[j] else 0.0)
        for var, col in spec.values(f, year, sizes).items():
            values[(spec.code, var)] = np.asarray(col, dtype=float)
    return values


def calibrate(fw, specs, entities, year, F, sizes, target_points):
    """Shift of the fine leaves per entity (bisection) + a last nudge of one large whole's part."""
    fine = np.array([spec.step_points(sizes, year) < FINE_STEP_POINTS for spec in specs])
    lo, hi = np.full(len(entities), -1.5), np.full(len(entities), 1.5)
    for bound, cmp in ((lo, np.greater), (hi, np.less)):
        reached = total_points(fw, entities, year, realise(fw, specs, F, year, sizes, fine, bound))
        bad = cmp(reached, target_points)
        if bad.any():
            raise ValueError(f"{year}: targets out of reach for {[e for e, b in zip(entities, bad) if b]}")
    for _ in range(60):
        mid = (lo + hi) / 2
        pts = total_points(fw, entities, year, realise(fw, specs, F, year, sizes, fine, mid))
        low = pts < target_points
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    shift = (lo + hi) / 2
    values = realise(fw, specs, F, year, sizes, fine, shift)

    # Last nudge: the part of the finest interior ratio leaf of each entity absorbs the rest.
    for _ in range(3):
        result = score(fw, build_matrix(fw, entities, year, values))
        residual = target_points - result.points[:, result.codes.index(ROOT_CODE)]
        if np.all(np.abs(residual) < 1e-3):
            break
        ratios = dict(zip(result.ratio_codes, result.ratio_values.T))
        for i in np.flatnonzero(np.abs(residual) >= 1e-3):
            best = None
            for spec in specs:
                if spec.type not in ("linear", "threshold") or len(spec.num) != 1 or spec.decimals[spec.num[0]]:
                    continue
                t = float(spec.threshold(year, len(entities))[i])
                den = sum(values[(spec.code, v)][i] for v in spec.den)
                need = residual[i] / spec.node.max_points * t * den
                r = ratios[spec.code][i]
                room_ok = 0.05 * t < r < 0.98 * t and 0.05 * t < r + need / den < 0.98 * t
                if room_ok and (best is None or den > best[1]):
                    best = (spec, den, need)
            if best is None:
                continue
            spec, _, need = best
            col = values[(spec.code, spec.num[0])]
            col[i] = col[i] + np.round(need)
    result = score(fw, build_matrix(fw, entities, year, values))
    got = result.points[:, result.codes.index(ROOT_CODE)]
    miss = np.abs(got - target_points) > TOLERANCE_POINTS
    if miss.any():
        raise ValueError(f"{year}: calibration missed for {[e for e, m in zip(entities, miss) if m]}")
    realised_f = F + np.where(fine, shift[:, None], 0.0)
    return values, realised_f


# --- the generator --------------------------------------------------------------------------------

def generate(seed: int = DEFAULT_SEED, fw: Framework | None = None) -> tuple[pd.DataFrame, dict]:
    """Long SAMPLE inputs (entity, year, indicator, variable, value) and the targets used."""
    fw = fw or load_framework(FRAMEWORK_ID)
    rng = np.random.default_rng(seed)
    entities = canonical_provinces()
    if sorted(entities) != sorted(PROFILE) or sorted(entities) != sorted(LADDER_2024):
        raise ValueError("PROFILE / LADDER_2024 do not name the 34 provinces of provinces_2025.csv")
    specs = [Leafspec(fw, leaf.code) for leaf in fw.leaves]
    leaf_main = np.array([int(fw.main_indices().index(fw.nodes[fw.ancestor_at_level(s.code, 1)]))
                          for s in specs])
    n_ent, n_leaf, n_main = len(entities), len(specs), len(fw.main_indices())
    sizes = province_sizes(entities, rng)
    fw_max = fw.max_points

    # 2024: desired fractions around each province's target level.
    t24 = targets_2024()
    level = np.array([t24[e] for e in entities])
    main_offset = rng.normal(0.0, 0.05, (n_ent, n_main))
    main_offset -= main_offset.mean(axis=1, keepdims=True)
    gdp_pc = np.array([PROFILE[e][1] for e in entities], dtype=float)
    econ = [i for i, m in enumerate(fw.main_indices()) if m.code == "5"]
    for i in econ:  # richer provinces lean to a stronger digital economy
        main_offset[:, i] += 0.1 * (gdp_pc - 90.0) / 60.0
    difficulty = np.array([LEAF_DIFFICULTY.get(s.code, 0.0) for s in specs])
    noise = rng.normal(0.0, 0.08, (n_ent, n_leaf))
    F24 = level[:, None] + main_offset[:, leaf_main] + difficulty[None, :] + noise
    gl = entities.index(PLAN_ENTITY)
    anchor = gia_lai_anchor(fw)
    for j, spec in enumerate(specs):
        if spec.code in anchor:
            F24[gl, j] = anchor[spec.code]

    targets = {2024: level * fw_max}
    values24, real24 = calibrate(fw, specs, entities, 2024, F24, sizes[2024], targets[2024])

    # 2025: seeded growth of every target; Gia Lai placed at a seeded rank outside the top 20.
    growth = np.clip(rng.normal(0.025, 0.012, n_ent), -0.02, 0.06)
    level25 = np.minimum(level + growth, 0.95)
    others = np.sort(np.delete(level25, gl))[::-1]
    rank_gl = int(rng.integers(GIA_LAI_RANK_2025[0], GIA_LAI_RANK_2025[1] + 1))
    level25[gl] = round((others[rank_gl - 2] + others[rank_gl - 1]) / 2, 6)
    if level25[gl] <= level[gl]:
        raise ValueError("Gia Lai's 2025 SAMPLE target would not improve on 2024; change the seed")
    growth[gl] = level25[gl] - level[gl]
    trend = np.array([LEAF_TREND_2025.get(s.code, 0.0) for s in specs])
    F25 = real24 + growth[:, None] + trend[None, :] + rng.normal(0.0, 0.03, (n_ent, n_leaf))
    targets[2025] = level25 * fw_max
    values25, _ = calibrate(fw, specs, entities, 2025, F25, sizes[2025], targets[2025])

    frames = []
    for year, values in ((2024, values24), (2025, values25)):
        for i, entity in enumerate(entities):
            for spec in specs:
                for v in spec.node.variables:
                    frames.append((entity, year, spec.code, v.name, values[(spec.code, v.name)][i],
                                   spec.decimals.get(v.name, 0)))
    df = pd.DataFrame(frames, columns=INPUT_COLUMNS + ["decimals"])
    meta = {"seed": seed, "targets": {y: dict(zip(entities, t / fw_max)) for y, t in targets.items()},
            "gia_lai_rank_2025": rank_gl, "framework_version": f"{fw.id}@{fw.version}"}
    return df, meta


def to_csv_text(df: pd.DataFrame) -> str:
    """CSV text with dot decimals, integers for counts, money with up to 2 decimals."""
    buf = io.StringIO()
    buf.write(",".join(INPUT_COLUMNS) + "\n")
    for entity, year, ind, var, value, dec in df[INPUT_COLUMNS + ["decimals"]].itertuples(index=False):
        if dec:
            text = f"{value:.{dec}f}".rstrip("0").rstrip(".")
        else:
            text = str(int(round(value)))
        buf.write(f"{entity},{int(year)},{ind},{var},{text}\n")
    return buf.getvalue()


def ranking(fw: Framework, inputs: pd.DataFrame) -> pd.DataFrame:
    result = score(fw, inputs[INPUT_COLUMNS])
    total = result.total()
    return total[["year", "entity", "points", "value", "rank"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the SAMPLE inputs (DỮ LIỆU MẪU, not real data).")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output CSV (default {DEFAULT_OUT})")
    parser.add_argument("--quiet", action="store_true", help="do not print the ranking")
    args = parser.parse_args(argv)
    fw = load_framework(FRAMEWORK_ID)
    df, meta = generate(args.seed, fw)
    text = to_csv_text(df)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(text.encode("utf-8"))
    if not args.quiet:
        check = pd.read_csv(io.StringIO(text))
        table = ranking(fw, check)
        print(f"SAMPLE (not real) — {meta['framework_version']}, seed {args.seed}: {args.out}")
        for year in YEARS:
            print(f"\n{year}: rank, entity, points /1000, target")
            for _, r in table.loc[table["year"] == year].iterrows():
                print(f"  {int(r['rank']):>2}  {r['entity']:<12} {r['points']:8.2f}  "
                      f"{meta['targets'][year][r['entity']]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
