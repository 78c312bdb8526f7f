"""The planner's settings, one place: growth caps (the province's own pace, floored and capped), the default
difficulty, the solver's options and the columns of a plan's actions and of its CSV."""
from scoring.engine import RANK_DECIMALS

RANK_ROUND = RANK_DECIMALS + 3  # the engine ranks values rounded to this many decimals
TIE_EPS = 1e-6  # points: a target total is reached at total >= target - TIE_EPS
FINE_STEP_POINTS = 1e-4  # a step worth less than this is modelled as continuous (then rounded up)
MAX_DECIMALS = 6  # finest step of a non-whole variable
MARGINS = (0.0, 1e-6, 1e-5, 1e-4, 1e-3)  # extra points asked of the solver when a check fails
MIP_OPTIONS = {"mip_rel_gap": 1e-9, "time_limit": 60.0}
# The "fewest indicators" stage only chooses among plans of optimal cost: any solution it has when
# the time is up is still a cheapest plan, so it gets a short limit.
FEWEST_OPTIONS = {"mip_rel_gap": 1e-9, "time_limit": 2.0}
UNPLANNED_RULES = {"inverse", "sum_of_ratios", "tiered", "capped_sum"}

ACTION_COLUMNS = ["indicator", "name_vi", "lead_agency", "variable", "from_value", "to_value",
                  "ratio_from", "ratio_to", "points_from", "points_to", "points_gain", "cost",
                  "max_to_value", "growth_cap"]
# Feasibility on raw variables (the plan a steering committee can accept):
MIN_GROWTH = 0.10  # the province's own growth is floored at +10 % a year
MAX_HISTORY_GROWTH = 0.50  # ... and capped at +50 % a year (one odd year is not a pace to plan on)
DEFAULT_GROWTH = 0.20  # +20 % a year where the province has no two years of the variable
DEFAULT_DIFFICULTY = 3.0  # difficulty 1 (easy) .. 5 (hard) per indicator, set by the office
PLAN_CSV_COLUMNS = ["indicator", "variable", "from_value", "to_value", "points_gain"]
PLAN_CSV_EXTRA = ["entity", "year", "name_vi", "lead_agency", "ratio_from", "ratio_to", "points_from",
                  "points_to", "cost", "max_to_value", "growth_cap"]
UNASSIGNED_LEAD = "Cần phân công cơ quan chủ trì"  # a criterion whose lead agency the framework does not name
