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


def cmd_plan(args) -> int:
    """`python -m scoring plan`: write PLAN.csv (or stdout) and a human summary on stderr."""
    from scoring.planning import _stdout_to_stderr, make_plan, plan_to_csv_frame

    target_rank = getattr(args, "target_rank", None)
    target_total = getattr(args, "target_total", None)
    if (target_rank is None) == (target_total is None):
        print("error: give exactly one of --target-rank and --target-total", file=sys.stderr)
        return 2
    fw = framework_for(args)
    inputs = read_long_csv(args.inputs)
    growth_arg = getattr(args, "max_growth", None)
    try:
        if growth_arg is None:
            max_growth, difficulty = None, None  # legacy: only --max-gain, cost on points
        elif str(growth_arg).strip().lower() == "history":
            from scoring.planning import growth_caps, growth_from_history
            max_growth = growth_caps(growth_from_history(fw, inputs, args.entity, args.year))
            difficulty = {}
        else:
            max_growth, difficulty = float(growth_arg), {}
        with _stdout_to_stderr():  # HiGHS may print a diagnostic line on the C-level stdout
            plan = make_plan(fw, inputs, args.entity, args.year, target_rank=target_rank,
                             target_total=target_total, max_gain=getattr(args, "max_gain", None),
                             max_growth=max_growth, difficulty=difficulty)
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = plan_to_csv_frame(plan)
    if getattr(args, "out", None):
        frame.to_csv(args.out, index=False)
        where = args.out
    else:
        frame.to_csv(sys.stdout, index=False)
        where = "stdout"
    print(plan.summary(), file=sys.stderr)
    if not plan.reachable:
        print(f"{where} holds the cheapest plan to reach rank {plan.rank_after} instead", file=sys.stderr)
        return 4
    if not plan.verified:
        print("error: the plan did not pass the re-scoring check", file=sys.stderr)
        return 5
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
    pl.add_argument("--year", type=int, required=True)
    pl.add_argument("--target-rank", type=int)
    pl.add_argument("--target-total", type=float)
    pl.add_argument("--max-gain", type=float, default=None,
                    help="largest rise of any ratio in percentage points as a fraction (0.3 = +30 pp)")
    pl.add_argument("--max-growth", default=None,
                    help="largest yearly rise of a moved numerator, as a fraction (0.2 = +20 %%), or 'history' "
                         "(the entity's growth between its last two years, within 10-50 %%, else 20 %%); "
                         "denominators never change; the cost is then difficulty 3 x relative change")
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
