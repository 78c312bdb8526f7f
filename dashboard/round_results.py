"""Honest results on pages reading a unit level's figures (issue 18): which round and basis they come from
("Thẩm định — vòng <label>"), how many of the level's units have figures ("1/20 xã, phường có số liệu thẩm
định"), and whether the field is complete enough for a rank or a top-N claim. Used by pages/units.py and
pages/overview.py at unit level; the province level keeps its own note (ui.overview.partial_field)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, provenance
from dashboard import round_view as rv
from dashboard.widgets import PageContext


def level_size(ctx: PageContext, year: int) -> int:
    """How many units of the sidebar's level the province has in `year` (its unit list)."""
    from loaders.units import valid_in_year

    units = data.units(ctx.sel.province)
    units = units.loc[units["level"] == ctx.sel.level] if not units.empty else units
    if units.empty:
        return 0
    return int(valid_in_year(units, int(year)).sum())


def round_of(ctx: PageContext, year: int) -> dict | None:
    """The newest closed appraisal round whose figures the page shows (framework, province, level, year)."""
    from office import appraisal

    rounds = appraisal.rounds(data.store(), ctx.sel.framework_id, ctx.sel.province)
    if rounds.empty:
        return None
    mine = rounds.loc[(rounds["level"] == ctx.sel.level) & (rounds["year"] == int(year))
                      & (rounds["status"] == "closed")]
    if mine.empty:
        return None
    return mine.sort_values("round_id").iloc[-1].to_dict()


def coverage(ctx: PageContext, year: int, n_ranked: int) -> tuple[int, int, bool]:
    """(units with figures, units of the level, partial): partial when fewer than all have figures."""
    total = max(level_size(ctx, year), int(n_ranked))
    return int(n_ranked), total, int(n_ranked) < total


def basis_words(ctx: PageContext, year: int) -> str:
    """"Thẩm định — vòng số 3 · … (đã kết thúc)" for appraised figures; "Tự đánh giá" otherwise."""
    basis = ctx.sel.basis or "self"
    words = provenance.label("appraised", ctx.lang) if basis == "appraised" else ctx.t(f"ui.basis.{basis}")
    rnd = round_of(ctx, year) if basis == "appraised" else None
    if rnd is not None:
        words += " — " + rv.round_label(pd.Series(rnd), ctx.lang)
    return words


def coverage_note(ctx: PageContext, year: int, n_ranked: int) -> bool:
    """Say the basis, the round and the coverage; warn when the field is partial. Returns partial."""
    n, total, partial = coverage(ctx, year, n_ranked)
    level = ctx.t(f"ui.levels.{ctx.sel.level}").lower()
    what = ctx.t(f"ui.basis.{ctx.sel.basis or 'self'}").lower()
    st.caption(ctx.t("ui.council.coverage", basis=basis_words(ctx, year), n=n, total=total, level=level, what=what))
    if partial:
        st.warning(ctx.t("ui.council.coverage_partial", n=n, total=total, level=level, what=what),
                   icon=":material/group_off:")
    return partial
