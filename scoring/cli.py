"""Command line: `python -m scoring score|describe|plan ...` (scripts, schedulers and our own checks)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from scoring.engine import INPUT_COLUMNS, InputError, score
from scoring.framework import FrameworkError, load_framework

NA_TOKENS = {"n/a", "na", "kad", "không áp dụng", "khong ap dung"}


def read_long_csv(path: str | Path) -> pd.DataFrame:
    """Read a long input CSV as text, keeping the file line of every row for error messages."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing:
        raise InputError([_header_problem(missing)])
    df["line"] = range(2, len(df) + 2)
    text = df["value"].astype(str).str.strip()
    df["not_applicable"] = text.str.lower().isin(NA_TOKENS)
    df["value"] = text.where(~df["not_applicable"], None)
    return df


def _header_problem(missing):
    from scoring.engine import InputProblem

    return InputProblem("missing_column", f"the header must be {','.join(INPUT_COLUMNS)}; missing {missing}", 1)


def framework_for(args):
    """The framework, as the unit level given by --level sees it (required when it scores several levels)."""
    fw = load_framework(args.framework)
    level = getattr(args, "level", None)
    if level is None:
        if len(fw.unit_levels) > 1:
            raise FrameworkError(fw.id, [f"this framework scores several unit levels {list(fw.unit_levels)}: "
                                         "give --level (units are ranked within one level)"])
        return fw
    if level not in fw.unit_levels:
        raise FrameworkError(fw.id, [f"--level {level!r} is not one of {list(fw.unit_levels)}"])
    return fw.for_level(level)


def cmd_score(args) -> int:
    fw = framework_for(args)
    inputs = read_long_csv(args.inputs)
    result = score(fw, inputs)
    out = result.scores[["entity", "year", "code", "level", "points", "max_points", "value", "rank",
                         "n_ranked"]]
    out = out.assign(points=out["points"].round(6), value=out["value"].round(6))
    if args.out:
        out.to_csv(args.out, index=False)
        print(f"scored {len(result.rows)} entity-years with {result.framework_version}: {args.out}",
              file=sys.stderr)
    else:
        out.to_csv(sys.stdout, index=False)
    return 0


def cmd_describe(args) -> int:
    fw = load_framework(args.framework) if getattr(args, "level", None) is None else framework_for(args)
    fw.describe()[["code", "parent", "name", "max_points"]].to_csv(sys.stdout, index=False)
    return 0


def _targets(text: str) -> dict[int, int]:
    """'2025:20,2026:15' -> {2025: 20, 2026: 15}."""
    out = {}
    for part in str(text).split(","):
        year, _, rank = part.strip().partition(":")
        if not year.strip().isdigit() or not rank.strip().isdigit():
            raise ValueError(f"--targets must read YEAR:RANK,YEAR:RANK (got {text!r})")
        out[int(year)] = int(rank)
    if len(out) != 2:
        raise ValueError(f"--targets needs two years (got {text!r})")
    return out


def _growth_arg(text):
    if text is None or str(text).strip().lower() == "history":
        return "history"
    return float(text)


def cmd_plan(args) -> int:
    """`python -m scoring plan`: write PLAN.csv (or stdout) and a human summary on stderr.

    Default: the plan page's model (denominators fixed, each moved numerator within its yearly cap from the
    entity's own history, effort = difficulty × relative rise). `--legacy-points-cap` keeps the old model."""
    from scoring.planning import _stdout_to_stderr, growth_caps, growth_from_history, make_plan, plan_to_csv_frame
    from scoring.plan_years import history_basis, lead_or_unassigned

    target_rank = getattr(args, "target_rank", None)
    target_total = getattr(args, "target_total", None)
    targets = getattr(args, "targets", None)
    legacy = getattr(args, "legacy_points_cap", None)
    if getattr(args, "max_gain", None) is not None and legacy is None:
        legacy = args.max_gain  # --max-gain is the old model's cap: asking for it asks for the old model
    if targets is not None:
        if target_rank is not None or target_total is not None or legacy is not None:
            print("error: --targets (two years) goes without --target-rank, --target-total and the old model",
                  file=sys.stderr)
            return 2
    elif (target_rank is None) == (target_total is None):
        print("error: give exactly one of --target-rank, --target-total and --targets", file=sys.stderr)
        return 2
    elif getattr(args, "year", None) is None:
        print("error: give --year (or --targets YEAR:RANK,YEAR:RANK)", file=sys.stderr)
        return 2
    fw = framework_for(args)
    inputs = read_long_csv(args.inputs)
    try:
        growth = _growth_arg(getattr(args, "max_growth", None))
        if targets is not None:
            from scoring.plan2y import plan_to_csv_frame as two_year_csv, two_year_plan_from_inputs

            with _stdout_to_stderr():
                plan2 = two_year_plan_from_inputs(fw, inputs, args.entity, _targets(targets), max_growth=growth)
            return _write_two_year(args, plan2, two_year_csv(plan2))
        if legacy is not None:
            max_growth, difficulty, max_gain = None, None, float(legacy)  # the old model: points cap, cost on points
        else:
            if growth == "history":
                basis = history_basis(inputs, args.entity, args.year)
                max_growth = growth_caps(growth_from_history(fw, basis, args.entity, args.year))
            else:
                max_growth = growth
            difficulty, max_gain = {}, None
        with _stdout_to_stderr():  # HiGHS may print a diagnostic line on the C-level stdout
            plan = make_plan(fw, inputs, args.entity, args.year, target_rank=target_rank,
                             target_total=target_total, max_gain=max_gain, max_growth=max_growth,
                             difficulty=difficulty)
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = plan_to_csv_frame(plan)
    frame["lead_agency"] = [lead_or_unassigned(x) for x in frame["lead_agency"]]
    where = _write(args, frame)
    print(plan.summary(), file=sys.stderr)
    if not plan.reachable:
        print(f"{where} holds the cheapest plan to reach rank {plan.rank_after} instead", file=sys.stderr)
        return 4
    if not plan.verified:
        print("error: the plan did not pass the re-scoring check", file=sys.stderr)
        return 5
    print(f"plan: {len(frame)} change(s) written to {where}", file=sys.stderr)
    return 0


def _write(args, frame) -> str:
    if getattr(args, "out", None):
        frame.to_csv(args.out, index=False)
        return args.out
    frame.to_csv(sys.stdout, index=False)
    return "stdout"


def _write_two_year(args, plan, frame) -> int:
    where = _write(args, frame)
    print(f"{plan.entity}: top {plan.target1} in {plan.year1}, top {plan.target2} in {plan.year2}; "
          f"rank {plan.rank1} in {plan.year1}, {plan.rank2} in {plan.year2}; effort {plan.cost:.3f}; "
          f"{len(frame)} change(s)", file=sys.stderr)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if not plan.reachable:
        print(f"not reachable under the yearly caps; best ranks {list(plan.best_ranks)} ({where} holds the plan "
              "to those)", file=sys.stderr)
        return 4
    print(f"plan: {len(frame)} change(s) written to {where}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description="DTI Studio scoring engine")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("score", help="score a long CSV (entity,year,indicator,variable,value)")
    s.add_argument("--framework", required=True)
    s.add_argument("--inputs", required=True)
    s.add_argument("--out")
    s.add_argument("--level", help="unit level to score (department, district, commune) for unit frameworks")
    s.set_defaults(fn=cmd_score)
    d = sub.add_parser("describe", help="print the framework tree as CSV (code,parent,name,max_points)")
    d.add_argument("--framework", required=True)
    d.add_argument("--level", help="the tree as one unit level sees it (maxima recomputed)")
    d.set_defaults(fn=cmd_describe)
    pl = sub.add_parser("plan", help="least-effort plan for an entity to reach a rank")
    pl.add_argument("--framework", required=True)
    pl.add_argument("--inputs", required=True)
    pl.add_argument("--entity", required=True)
    pl.add_argument("--year", type=int, help="the year planned (not with --targets)")
    pl.add_argument("--target-rank", type=int)
    pl.add_argument("--target-total", type=float)
    pl.add_argument("--targets", help="a two-year plan: YEAR:RANK,YEAR:RANK (e.g. 2025:20,2026:15); one row per "
                                      "action with its year; year 2's caps start from year 1's planned values")
    pl.add_argument("--max-growth", default=None,
                    help="largest yearly rise of a moved numerator, as a fraction (0.2 = +20 %%), or 'history' "
                         "(default: the entity's growth between its last two years, within 10-50 %%, else 20 %%); "
                         "denominators never change; the effort is difficulty 3 x relative rise")
    pl.add_argument("--legacy-points-cap", type=float, nargs="?", const=0.3, default=None, metavar="FRACTION",
                    help="OLD MODEL, kept for comparison: every ratio may rise by FRACTION in percentage points "
                         "(default 0.3 = +30 pp), denominators not fixed, cost = points gained")
    pl.add_argument("--max-gain", type=float, default=None, help="old model: same as --legacy-points-cap FRACTION")
    pl.add_argument("--out")
    pl.add_argument("--level", help="unit level (department, district, commune) for unit frameworks")
    pl.set_defaults(fn=cmd_plan)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except FrameworkError as exc:
        print("error: framework problem:", file=sys.stderr)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {args.inputs}: {exc}", file=sys.stderr)
        return 3
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename}", file=sys.stderr)
        return 2
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        print(f"error: {args.inputs}: not a readable CSV file ({exc})", file=sys.stderr)
        return 3
