"""Rank uncertainty by vectorised Monte Carlo.

Question answered: "our total is X points; the other entities will move by an uncertain amount
next year — how likely is each rank for us?"

Every other entity's next-year points are its current points plus a random change, drawn either
from a normal distribution (`method="normal"`, mean/sd in points) or by resampling observed
year-on-year changes (`method="bootstrap"`, e.g. `published_changes(...) * 1000`). The focus entity
keeps its points (or gets a draw too with `focus_fixed=False`). Points are clipped to
[0, max_total] and the focus's rank in each draw is the competition rank used by the engine:
1 + the number of others with strictly more points, comparing points rounded to 1e-6
(`scoring.engine.RANK_DECIMALS`), so an exact tie shares the better rank.

All draws are made at once as a (draws × entities) matrix (processed in row blocks only to bound
memory for thousands of entities), and a seed makes a run reproducible.

Pure: numpy and pandas only; no streamlit, no duckdb.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.engine import RANK_DECIMALS

# Plain-language notes on the rank band (UI-ish strings kept here so the function stays pure).
NOTES: dict[str, dict[str, str]] = {
    "vi": {
        "band": "Hạng {rank} có thể dao động trong khoảng {best}–{worst}; "
                "thay đổi {noise} bậc nằm trong mức nhiễu.",
        "shift": "Với giả định này, hạng {rank} nhiều khả năng chuyển sang khoảng {best}–{worst}.",
        "noise_one": "1",
        "noise_many": "1–{n}",
        "stable_same": "Hạng {rank} ổn định: ít nhất {pct}% số lần mô phỏng cho hạng {best}.",
        "stable_span": "Hạng {rank} ổn định: ít nhất {pct}% số lần mô phỏng cho hạng trong khoảng {best}–{worst}.",
    },
    "en": {
        "band": "Rank {rank} could range from {best} to {worst}; "
                "a change of {noise} within the noise.",
        "shift": "Under these assumptions, rank {rank} is likely to move to {best}–{worst}.",
        "noise_one": "1 place is",
        "noise_many": "1–{n} places is",
        "stable_same": "Rank {rank} is stable: at least {pct}% of simulations give rank {best}.",
        "stable_span": "Rank {rank} is stable: at least {pct}% of simulations give a rank between {best} and {worst}.",
    },
}

METHODS = ("normal", "bootstrap")
# Cells (draws × entities) handled per block: bounds memory at ~100 MB for any number of entities.
_BLOCK_CELLS = 2_000_000


# --- observed changes ---------------------------------------------------------------------------

def _pick(frame: pd.DataFrame, *names: str) -> str:
    for n in names:
        if n in frame.columns:
            return n
    raise KeyError(f"published results need one of the columns {list(names)}")


def published_changes(published: pd.DataFrame) -> np.ndarray:
    """Year-on-year changes of the published total value (0–1 scale) of one province.

    Pairs are the same province in the same group (63-province or 34-province ranking) in
    consecutive years, both with a published `total_value`. Multiply by 1000 to use them as
    changes in points (`simulate_ranks(..., method="bootstrap", changes=published_changes(df) * 1000)`).

    With the 2022–2024 totals of all 63 provinces in the reference file this gives every consecutive
    pair of years, including the few 2020→2021→2022 ones; `year_on_year_changes` picks the pairs and
    the group explicitly (what the rank-odds page uses).
    """
    ent = _pick(published, "entity", "province")
    grp = _pick(published, "entity_group", "group")
    df = published[["year", ent, grp, "total_value"]].copy()
    df.columns = ["year", "entity", "group", "value"]
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df["group"] = df["group"].astype(str)
    df["entity"] = df["entity"].astype(str).str.strip()
    df = df.dropna(subset=["year", "value"])
    if df.empty:
        return np.empty(0)
    # One value per province, group and year (several sources may quote the same result).
    df = df.groupby(["group", "entity", "year"], as_index=False)["value"].mean()
    df = df.sort_values(["group", "entity", "year"], kind="stable")
    same = (df["group"].eq(df["group"].shift()) & df["entity"].eq(df["entity"].shift())
            & df["year"].sub(df["year"].shift()).eq(1))
    changes = df["value"].diff()[same].to_numpy(dtype=float)
    return changes[np.isfinite(changes)]


REAL_CHANGE_PAIRS = ((2022, 2023), (2023, 2024))  # one method (2022–2024), every province valued


def year_on_year_changes(published: pd.DataFrame, *, group: str = "63",
                         pairs=REAL_CHANGE_PAIRS, scale: float = 1.0, center: bool = False) -> pd.DataFrame:
    """The real year-on-year changes of the published totals: one row per province and pair of years.

    `published` has `year`, `entity` (or `province`), `entity_group` (or `group`) and `total_value`
    (0–1). For each (from, to) in `pairs`, a province of `group` with a value in both years gives one
    change `(value_to − value_from) × scale` — `scale=1000` turns the 0–1 scale into points of a
    1000-point framework. Provinces lacking either value give none (nothing is filled in).
    Returns: entity, year_from, year_to, change — sorted by pair, then entity.
    """
    ent = _pick(published, "entity", "province")
    grp = _pick(published, "entity_group", "group")
    df = published.loc[published[grp].astype(str) == str(group), ["year", ent, "total_value"]].copy()
    df.columns = ["year", "entity", "value"]
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df = df.dropna(subset=["year", "value"]).groupby(["entity", "year"], as_index=False)["value"].mean()
    wide = df.pivot(index="entity", columns="year", values="value")
    parts = []
    for a, b in pairs:
        if a not in wide.columns or b not in wide.columns:
            continue
        diff = (wide[b] - wide[a]).dropna() * float(scale)
        if center and len(diff):
            diff = diff - diff.mean()
        parts.append(pd.DataFrame({"entity": diff.index.astype(str), "year_from": int(a), "year_to": int(b),
                                   "change": diff.to_numpy(dtype=float)}))
    if not parts:
        return pd.DataFrame({"entity": pd.Series(dtype=str), "year_from": pd.Series(dtype=int),
                             "year_to": pd.Series(dtype=int), "change": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True)


# --- draws --------------------------------------------------------------------------------------

def draw_changes(rng: np.random.Generator, shape, *, method: str = "normal", mean: float = 0.0,
                 sd: float = 20.0, changes=None) -> np.ndarray:
    """Random changes in points: normal(mean, sd), or resampled (with replacement) from `changes`."""
    if method == "normal":
        if sd == 0:
            return np.full(shape, float(mean))
        return rng.normal(mean, sd, size=shape)
    pool = np.asarray(changes, dtype=float)
    return pool[rng.integers(0, len(pool), size=shape)]


def _check(method, sd, changes, n_draws, max_total):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if int(n_draws) < 1:
        raise ValueError("n_draws must be at least 1")
    if method == "normal" and not (np.isfinite(sd) and sd >= 0):
        raise ValueError(f"sd must be a finite number ≥ 0, not {sd!r}")
    if not (np.isfinite(max_total) and max_total > 0):
        raise ValueError("max_total must be a positive number")
    if method == "bootstrap":
        if changes is None:
            raise ValueError("method='bootstrap' needs `changes` (an array of changes in points)")
        pool = np.asarray(changes, dtype=float).reshape(-1)
        if pool.size == 0 or not np.isfinite(pool).all():
            raise ValueError("`changes` must be a non-empty array of finite numbers")
        return pool
    return None


# --- result -------------------------------------------------------------------------------------

@dataclass
class RankSimulation:
    """Simulated ranks of one focus entity (one int per draw) and what drove them."""

    focus: str
    ranks: np.ndarray  # int, one rank per draw
    focus_points: float = float("nan")  # the focus's points (its base when focus_fixed=False)
    base_rank: int | None = None  # rank at current points (no change); median rank if not given
    n_entities: int | None = None  # focus + others
    others: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["entity", "base_points", "p_above"]))  # per other entity: P(finishes above focus)
    settings: dict = field(default_factory=dict)  # method, seed, mean, sd, … as used

    def __post_init__(self):
        self.ranks = np.asarray(self.ranks, dtype=np.int64)
        if self.base_rank is None and len(self.ranks):
            self.base_rank = int(np.median(self.ranks))
        if self.n_entities is None:
            self.n_entities = int(self.ranks.max()) if len(self.ranks) else 0

    @property
    def n_draws(self) -> int:
        return len(self.ranks)

    def p_top(self, n: int) -> float:
        """P(rank ≤ n)."""
        return float(np.mean(self.ranks <= n))

    def p_top_se(self, n: int) -> float:
        """Monte Carlo standard error of `p_top(n)`."""
        p = self.p_top(n)
        return float(np.sqrt(p * (1 - p) / self.n_draws))

    def distribution(self) -> pd.DataFrame:
        """rank, probability (ranks that occurred), and cumulative P(rank ≤ r)."""
        ranks, counts = np.unique(self.ranks, return_counts=True)
        prob = counts / self.n_draws
        return pd.DataFrame({"rank": ranks.astype(np.int64), "probability": prob,
                             "cumulative": np.cumsum(prob)})

    def quantile(self, q):
        """Rank quantile(s): the smallest rank r with P(rank ≤ r) ≥ q (an observed rank)."""
        out = np.quantile(self.ranks, q, method="inverted_cdf")
        return int(out) if np.ndim(out) == 0 else out.astype(np.int64)

    def band(self, level: float = 0.8) -> tuple[int, int]:
        """(best, worst) plausible ranks: the (1−level)/2 and (1+level)/2 quantiles (10th–90th for 0.8)."""
        if not 0 < level < 1:
            raise ValueError("level must be between 0 and 1")
        lo, hi = (1 - level) / 2, (1 + level) / 2
        return self.quantile(lo), self.quantile(hi)

    @property
    def mean_rank(self) -> float:
        return float(np.mean(self.ranks))

    @property
    def median_rank(self) -> int:
        return self.quantile(0.5)

    def competitors(self, k: int = 5) -> pd.DataFrame:
        """The k other entities whose outcome most decides the focus's rank.

        Columns: entity, p_above (P(it finishes above the focus)), base_points, gap (its points
        minus the focus's; positive = currently ahead). Sorted by |p_above − 0.5| (coin flips
        first), then by |gap|.
        """
        df = self.others.copy()
        if df.empty:
            return pd.DataFrame(columns=["entity", "p_above", "base_points", "gap"])
        df["gap"] = df["base_points"] - self.focus_points
        df["_key1"] = (df["p_above"] - 0.5).abs()
        df["_key2"] = df["gap"].abs()
        df = df.sort_values(["_key1", "_key2", "entity"], kind="stable").head(k)
        return df[["entity", "p_above", "base_points", "gap"]].reset_index(drop=True)


# --- simulation ---------------------------------------------------------------------------------

def simulate_ranks(base_points: pd.Series, focus: str, focus_points: float | None = None, *,
                   n_draws: int = 10_000, seed: int | None = 0, method: str = "normal",
                   mean: float = 0.0, sd: float = 20.0, changes=None, focus_fixed: bool = True,
                   max_total: float = 1000.0, center: bool = False) -> RankSimulation:
    """Distribution of the focus entity's rank when the other entities' points move at random.

    base_points: entity -> current total points (NaN entities are left out, as unranked).
    focus_points: the focus's points (default: its value in base_points); the focus need not be
        in base_points when this is given (a what-if entity).
    method: "normal" (each change ~ normal(mean, sd), in points) or "bootstrap" (each change
        resampled from `changes`, in points; `center=True` subtracts their mean first).
    focus_fixed: False gives the focus a draw from the same distribution too.
    """
    pool = _check(method, sd, changes, n_draws, max_total)
    if pool is not None and center:
        pool = pool - pool.mean()
    base = pd.Series(base_points, dtype=float)
    base.index = base.index.map(str)
    base = base[base.notna()]
    focus = str(focus)
    if focus_points is None:
        if focus not in base.index:
            raise KeyError(f"focus {focus!r} has no points in base_points; give focus_points")
        focus_points = float(base[focus])
    focus_points = float(focus_points)
    if not np.isfinite(focus_points):
        raise ValueError("focus_points must be a finite number")
    others = base.drop(focus, errors="ignore")
    names = others.index.to_numpy(dtype=object)
    other_base = others.to_numpy(dtype=float)
    k = len(other_base)
    n_draws = int(n_draws)

    rng = np.random.default_rng(seed)
    ranks = np.empty(n_draws, dtype=np.int64)
    above_count = np.zeros(k, dtype=np.int64)
    focus_base = float(np.clip(focus_points, 0.0, max_total))
    block = max(1, _BLOCK_CELLS // max(k, 1))
    for start in range(0, n_draws, block):  # blocks of draws, each fully vectorised
        rows = min(block, n_draws - start)
        pts = np.clip(other_base + draw_changes(rng, (rows, k), method=method, mean=mean, sd=sd,
                                                changes=pool), 0.0, max_total)
        if focus_fixed:
            f = np.full(rows, focus_base)
        else:
            f = np.clip(focus_points + draw_changes(rng, rows, method=method, mean=mean, sd=sd,
                                                    changes=pool), 0.0, max_total)
        above = np.round(pts, RANK_DECIMALS) > np.round(f, RANK_DECIMALS)[:, None]
        ranks[start:start + rows] = 1 + above.sum(axis=1)
        above_count += above.sum(axis=0)

    base_rank = 1 + int(np.sum(np.round(np.clip(other_base, 0.0, max_total), RANK_DECIMALS)
                               > np.round(focus_base, RANK_DECIMALS)))
    others_df = pd.DataFrame({"entity": names, "base_points": other_base,
                              "p_above": above_count / n_draws})
    settings = {"method": method, "seed": seed, "n_draws": n_draws, "focus_fixed": focus_fixed,
                "max_total": max_total}
    if method == "normal":
        settings.update(mean=mean, sd=sd)
    else:
        settings.update(n_changes=len(pool), center=center, changes_mean=float(pool.mean()),
                        changes_sd=float(pool.std(ddof=1)) if len(pool) > 1 else 0.0)
    return RankSimulation(focus=focus, ranks=ranks, focus_points=focus_points, base_rank=base_rank,
                          n_entities=k + 1, others=others_df, settings=settings)


def rank_band_note(sim: RankSimulation, lang: str = "vi", *, level: float = 0.8,
                   rank: int | None = None) -> str:
    """One sentence on how far the rank may move by chance.

    `rank` is the rank shown to the user (default: the rank at current points, `sim.base_rank`).
    A band (default 10th–90th percentile) at least 2 places wide reads as "rank 27 could range
    25–29; a change of 1–2 places is within the noise" (the largest distance from the rank to the
    band's ends); a narrower one says the rank is stable; a band that excludes the rank (a drift in
    the assumed changes) says where the rank is likely to move.
    """
    t = NOTES.get(lang, NOTES["en"])
    best, worst = sim.band(level)
    rank = int(sim.base_rank if rank is None else rank)
    pct = int(round(level * 100))
    if not best <= rank <= worst:  # a drift in the assumed changes, not noise around the rank
        return t["shift"].format(rank=rank, best=best, worst=worst)
    if worst - best >= 2:
        n = max(1, abs(rank - best), abs(worst - rank))
        noise = t["noise_one"] if n == 1 else t["noise_many"].format(n=n)
        return t["band"].format(rank=rank, best=best, worst=worst, noise=noise)
    key = "stable_same" if best == worst else "stable_span"
    return t[key].format(rank=rank, best=best, worst=worst, pct=pct)
