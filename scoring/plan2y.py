"""A two-year plan (Gia Lai's 18/KH-UBND: top 20 in 2025, top 15 in 2026): a thin use of the one plan
engine, `scoring.planning.make_years_plan` — the model of the plan page, over two years.

- Denominators are facts and never move; each moved numerator rises in a year by at most its yearly
  cap (the province's own pace between its last two years, clipped to 10–50 %, else the stated default
  DEFAULT_GROWTH), counted from the value the year before PLANNED: year 2's cap starts from year 1's
  planned value. Items are yes/no. Effort = difficulty (1–5) × the rise relative to today's value.
- Year 1 against the others' totals of `year1`; year 2 against `peers_year2` (entity -> projected total;
  `project_peers` gives a linear trend from two scored years).
- Both years are solved together as one exact MILP (HiGHS), so no split of the effort between the years
  is cheaper; each year's plan is applied and scored again.

`two_year_plan_from_inputs` is what the page "Kế hoạch" and `python -m scoring plan --targets` both call.
Pure (numpy, pandas, scipy).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from scoring.engine import score
from scoring.framework import Framework
from scoring.planning import actions_csv_frame, growth_caps, growth_from_history
from scoring.plan_years import history_basis, lead_or_unassigned, make_years_plan

APPENDIX_COLUMNS = ["year", "indicator", "name_vi", "variable", "from_value", "to_value", "ratio_to",
                    "points_from", "points_to", "points_gain", "lead_agency", "implementing_agencies"]


@dataclass
class TwoYearPlan:
    entity: str
    year1: int
    year2: int
    target1: int
    target2: int
    reachable: bool
    method: str  # "joint" (one MILP over both years) | "none"
    cost: float
    lower_bound: float
    optimal: bool
    total_start: float
    total1: float
    total2: float
    rank1: int | None
    rank2: int | None
    actions: pd.DataFrame  # APPENDIX_COLUMNS + cost, max_to_value, growth_cap, ratio_from
    plans: tuple = ()  # the planning.YearsPlan
    notes: list[str] = field(default_factory=list)
    best_ranks: tuple = ()
    effort: str = "relative"  # effort = difficulty × relative rise (make_years_plan); records before it: "points"

    def by_agency(self) -> pd.DataFrame:
        """Per lead agency (a shared lead counts for each) and year: indicators and points to gain."""
        rows = []
        for a in self.actions.itertuples(index=False):
            for agency in _split(a.lead_agency):
                rows.append({"agency": agency, "year": a.year, "indicator": a.indicator, "points_gain": a.points_gain})
        if not rows:
            return pd.DataFrame(columns=["agency", "year", "indicators", "points_gain"])
        df = pd.DataFrame(rows)
        return (df.groupby(["agency", "year"], as_index=False)
                .agg(indicators=("indicator", lambda s: ", ".join(dict.fromkeys(s))), points_gain=("points_gain", "sum")))


def _split(text: str) -> list[str]:
    return [a.strip() for a in str(text or "").split(";") if a.strip()] or [lead_or_unassigned("")]


def project_peers(totals_prev: pd.Series, totals_now: pd.Series, max_total: float, *, steps: int = 1) -> pd.Series:
    """Each peer's total `steps` years ahead on its own linear trend (now + steps × (now − prev)),
    clipped to [0, max]; a peer without a previous total keeps its current one."""
    change = (totals_now - totals_prev.reindex(totals_now.index)).fillna(0.0)
    return (totals_now + steps * change).clip(0.0, max_total)


def make_two_year_plan(framework: Framework, inputs: pd.DataFrame, entity: str, year1: int, year2: int, *,
                       target1: int, target2: int, peers_year2: pd.Series, max_gain: float | None = None,
                       cost_per_point: dict[str, float] | None = None, max_growth: float | dict | None = None,
                       difficulty: dict[str, float] | None = None, locked=None,
                       item_achievable: dict | None = None) -> TwoYearPlan:
    """The least-effort plan reaching rank ≤ target1 in year1 and rank ≤ target2 in year2 (module doc).
    `inputs`: long inputs holding year1 of the entity and its peers. `max_growth`: one yearly cap or a
    mapping (`growth_caps`); None = DEFAULT_GROWTH. `difficulty`: 1–5 per indicator (default 3).
    `max_gain` (the old ratio cap in percentage points) is no longer used: the model has one cap, on the
    raw figures. `cost_per_point`, when given without `difficulty`, is read as the difficulty."""
    fw = framework
    if difficulty is None and cost_per_point:
        difficulty = dict(cost_per_point)
    p = make_years_plan(fw, inputs, entity, [year1, year2], [target1, target2], peers=[None, peers_year2],
                        max_growth=max_growth, difficulty=difficulty or {}, locked=locked,
                        item_achievable=item_achievable)
    a = p.actions
    if len(a):
        a = a.assign(lead_agency=[lead_or_unassigned(x) for x in a["lead_agency"]],
                     implementing_agencies=["; ".join(fw.nodes[c].implementing_agencies) for c in a["indicator"]])
    else:
        a = pd.DataFrame(columns=APPENDIX_COLUMNS + ["cost", "max_to_value", "growth_cap", "ratio_from"])
    a = a[APPENDIX_COLUMNS + ["cost", "max_to_value", "growth_cap", "ratio_from"]]
    ok = p.reachable and p.verified
    return TwoYearPlan(str(entity).strip(), int(year1), int(year2), int(target1), int(target2), ok,
                       "joint" if ok else "none", float(p.cost) if ok else math.nan, float(p.cost) if ok else math.nan,
                       bool(ok and p.optimal), float(p.total_before[0]), float(p.total_after[0]),
                       float(p.total_after[1]), int(p.rank_after[0]), int(p.rank_after[1]), a, (p,), list(p.notes),
                       tuple(p.best_ranks))


def two_year_plan_from_inputs(framework: Framework, inputs: pd.DataFrame, entity: str, targets: dict[int, int], *,
                              max_growth: float | dict | str | None = "history",
                              difficulty: dict[str, float] | None = None, locked=None,
                              item_achievable: dict | None = None) -> TwoYearPlan:
    """The two-year plan from every year of the inputs: `targets` {year1: rank, year2: rank}; the caps from
    the entity's own history (`max_growth="history"`, SAMPLE rows never pace real ones) or one fraction; the
    peers of year 2 on their trend from the two last scored years (`project_peers`). The page "Kế hoạch" and
    the command line call this one function."""
    (year1, t1), (year2, t2) = sorted((int(y), int(n)) for y, n in targets.items())
    entity = str(entity).strip()
    years = pd.to_numeric(inputs["year"], errors="coerce")
    if isinstance(max_growth, str):
        if max_growth.strip().lower() != "history":
            raise ValueError(f"max_growth must be a fraction or 'history' (got {max_growth!r})")
        max_growth = growth_caps(growth_from_history(framework, history_basis(inputs, entity, year1), entity, year1))
    totals = score(framework, inputs.loc[years <= year1], strict=False).total()
    now = totals.loc[totals["year"] == year1].set_index("entity")["points"]
    prev = totals.loc[totals["year"] == year1 - 1].set_index("entity")["points"]
    peers = project_peers(prev, now, framework.max_points, steps=year2 - year1)
    return make_two_year_plan(framework, inputs.loc[years == year1], entity, year1, year2, target1=t1, target2=t2,
                              peers_year2=peers, max_growth=max_growth, difficulty=difficulty, locked=locked,
                              item_achievable=item_achievable)


PLAN2Y_CSV_COLUMNS = ["year", "indicator", "variable", "from_value", "to_value", "points_gain", "entity", "name_vi",
                      "lead_agency", "ratio_from", "ratio_to", "points_from", "points_to", "cost", "max_to_value",
                      "growth_cap"]


def plan_to_csv_frame(plan: TwoYearPlan) -> pd.DataFrame:
    """PLAN.csv of a two-year plan: one row per action with its year, then the one-year plan's columns."""
    return actions_csv_frame(plan.actions, plan.entity).reindex(columns=PLAN2Y_CSV_COLUMNS)
