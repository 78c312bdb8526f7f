"""Small Streamlit pieces shared by pages: the page context, data-origin badge, empty states, charts."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard import controls, data, levels
from dashboard.i18n import display_code, label_of, name_of, t


@dataclass
class PageContext:
    sel: controls.Selection
    lang: str
    framework: object
    result: object  # ScoreResult or None

    def t(self, key: str, **kw) -> str:
        # Every string may say who the others are: the other provinces, or the other units of the level.
        scope = "province" if self.sel.is_province else "unit"
        kw.setdefault("others", t(f"ui.scope.others_{scope}", self.lang))
        kw.setdefault("avg_scope", t(f"ui.scope.avg_{scope}", self.lang))
        kw.setdefault("avg_scope_cap", t(f"ui.scope.avg_cap_{scope}", self.lang))
        # The level's words are this selection's, not the thread's ambient level: a widget's option formatter
        # made here may be called after the run (AppTest, a later rerun) and must still name the same level.
        return t(key, self.lang, **{**levels.words(self.sel.level, self.lang), **kw})

    def node_name(self, code: str) -> str:
        return name_of(self.framework.nodes[code], self.lang)

    @staticmethod
    def code(code) -> str:
        """A criterion code as a person reads it (scoring.framework.display_code: 'CQS.2.3_4' -> 'CQS.2.3–2.4')."""
        return display_code(code)

    def node_label(self, code: str) -> str:
        """'<code as read>. <name>' (the root: its name)."""
        return label_of(self.framework.nodes[code], self.lang)

    def inputs(self):
        """The current raw inputs of the selection (the scored group, on the chosen basis)."""
        df = data.current_inputs(self.sel.framework_id, self.sel.score_group, self.sel.basis, self.sel.dataset)
        return df.loc[df["indicator"].isin([leaf.code for leaf in self.framework.leaves])]

    @property
    def entity_word(self) -> str:
        """The header naming the ranked entities: 'Tỉnh, thành phố', 'Xã, phường', 'Sở, ban, ngành' …"""
        from dashboard import levels

        return levels.column(self.sel.level, self.lang)

    def labels(self, codes, with_code: bool = True) -> dict[str, str]:
        return {c: (self.node_label(c) if with_code else self.node_name(c)) for c in codes}


def context() -> PageContext:
    """Read the shared selection (set by app.py) and the scored data."""
    ss = st.session_state
    if ss.get("_frame_active"):
        sel = controls.current()
    else:
        # The page runs without the frame (Streamlit's multipage-v1 quirk, see app.py): go through the
        # frame instead, which then opens this page inside the navigation (same URL and query).
        import inspect
        from pathlib import Path

        # Only for a session the frame has never run in (a shared link opened on a fresh server):
        # later runs may carry widget changes, which a page switch would drop.
        caller = Path(inspect.stack()[1].filename)
        if caller.parent.name == "pages" and not ss.get("_frame_seen"):
            ss["_wanted_page"] = f"pages/{caller.name}"
            ss["_frame_seen"] = True
            st.switch_page("app.py", query_params=st.query_params.to_dict())
        sel = controls.sidebar()  # fallback: draw the shared controls here (and the editor's box)
        controls.dataset_switch(published_only=controls.published_only(caller.stem, sel))
        from dashboard import auth

        auth.sidebar_box(sel.lang)
        auth.require_reader(sel.lang)
    fw = data.framework_view(sel.framework_id, sel.level)
    ss.pop("_origin_text", None)  # set again by this page's origin badge; charts print it under them
    return PageContext(sel=sel, lang=sel.lang, framework=fw,
                       result=data.scores(sel.framework_id, sel.score_group, sel.basis, sel.dataset))


def origin_words(ctx: PageContext, year: int | None) -> str:
    """One line saying where the figures on screen come from: the dataset (own data or SAMPLE) and the
    kinds of its current values (self-assessed, published, plan). Used by badges, chart captions, slides."""
    flags = data.flags_by_year(ctx.sel.framework_id, ctx.sel.score_group, ctx.sel.basis, ctx.sel.dataset)
    if year is not None:
        flags = flags.loc[flags["year"] == year]
    kinds = [k for k in ("self_assessed", "automatic", "published", "plan") if k in set(flags["flag"])]
    if ctx.sel.is_sample:
        return ctx.t("ui.origin.sample")
    who = ctx.t("ui.origin.own_province") if ctx.sel.is_province else ctx.t("ui.origin.own_units")
    if ctx.sel.basis == "appraised":  # a round's appraised figures, not what units typed on the Data page
        from dashboard import provenance

        return ctx.t("ui.origin.own", who=who, kinds=provenance.label("appraised", ctx.lang).lower())
    return ctx.t("ui.origin.own", who=who, kinds=", ".join(ctx.t(f"ui.origin.kind_{k}") for k in kinds)
                 or ctx.t("ui.origin.kind_self_assessed"))


def origin_badge(ctx: PageContext, year: int | None) -> None:
    """Say where the figures on screen come from — always, whichever dataset is shown: SAMPLE as a
    warning, the province's own data as a note (it stays visible after an own import)."""
    text = origin_words(ctx, year)
    st.session_state["_origin_text"] = text
    if ctx.sel.is_sample:
        st.warning(ctx.t("ui.badge.sample"), icon=":material/science:")
    else:
        st.info(text, icon=":material/verified:")


def chosen_file(uploaded, lang: str) -> None:
    """The chosen file's name and size in Vietnamese (Streamlit's own "31.5MB" is hidden by the chrome CSS);
    plain text: a file name is never read as Markdown."""
    if uploaded is not None:
        from dashboard import fmt

        st.text(t("ui.app.upload_chosen", lang, name=uploaded.name, size=fmt.file_size(uploaded.size, lang)))


def need_scores(ctx: PageContext) -> bool:
    """Empty state when nothing is scored yet; returns True when the page can go on."""
    if ctx.result is None or ctx.sel.year is None:
        st.info(ctx.t("ui.empty.no_scores"), icon=":material/upload_file:")
        st.page_link("pages/data.py", label=ctx.t("ui.nav.data"), icon=":material/database:")
        return False
    totals = ctx.result.total(ctx.sel.year)
    if totals["points"].isna().all():
        # Inputs exist for the year but no entity has all of them: a missing value stays missing.
        st.info(ctx.t("ui.empty.incomplete_year", year=ctx.sel.year), icon=":material/rule:")
        st.page_link("pages/data.py", label=ctx.t("ui.nav.data"), icon=":material/database:")
        return False
    return True


def group_note(ctx: PageContext) -> None:
    if not ctx.sel.is_province:
        st.caption(ctx.t("ui.units.group_note", level=ctx.t(f"ui.levels.{ctx.sel.level}"),
                         province=ctx.sel.province or "", basis=ctx.t(f"ui.basis.{ctx.sel.basis}")))
    elif ctx.sel.group == "63":
        st.info(ctx.t("ui.empty.group63_note"), icon=":material/info:")


def chart(fig, key: str | None = None, origin: str | bool = True) -> None:
    """A plotly chart, scaled for the projector in presentation mode, with its data origin under it
    (`origin=True`: the page's origin badge text; a string: that text; False: none)."""
    if st.session_state.get("present"):
        # Projector: every font (tick labels a builder set too), marker and line larger, the chart taller.
        from dashboard.charts import for_projector

        fig = for_projector(fig)
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})
    text = st.session_state.get("_origin_text") if origin is True else origin or None
    if text:
        st.caption(text)


def page_start(ctx: PageContext, title: str, *, note_group: bool = True) -> bool:
    """Title, the 63-group note, the empty state and the data-origin badge shared by scored pages.
    Returns True when the page has scores to show."""
    st.title(title)
    if note_group:
        group_note(ctx)
    if not need_scores(ctx):
        return False
    origin_badge(ctx, ctx.sel.year)
    return True


def number_box(where, label: str, default: float, min_value: float, max_value: float, *, key: str, help: str | None = None,
               lang: str = "vi", decimals: int = 2) -> float:
    """A number typed and shown the Vietnamese way ("673,64", "1.234,5") — st.number_input shows "673.64"
    whatever the language. Read with the importer's number parser; out of range or unreadable → the default,
    with a message under the box."""
    from dashboard import fmt
    from loaders.parsing import parse_number

    if key not in st.session_state:
        st.session_state[key] = fmt.number(default, decimals, lang)
    text = where.text_input(label, key=key, help=help)
    try:
        value = float(parse_number(text))
    except (TypeError, ValueError):
        value = float("nan")
    if value != value or not (min_value <= value <= max_value):
        where.caption(t("ui.common.number_invalid", lang, min=fmt.number(min_value, 0, lang),
                        max=fmt.number(max_value, 0, lang), value=fmt.number(default, decimals, lang)))
        return float(default)
    return value


def slider_steps(lo: float, hi: float, step: float, current: float, most: int = 200) -> list[float]:
    """The values of a select_slider from lo to hi (at most `most` steps; the step grows by ×2, ×5, ×10 …),
    with the current value always among them."""
    span = max(hi - lo, 0.0)
    for mult in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if span / (step * mult) <= most:
            break
    step = step * mult
    n = int(round(span / step))
    values = {round(lo + i * step, 4) for i in range(n + 1)} | {round(float(current), 4)}
    return sorted(v for v in values if lo - 1e-9 <= v <= hi + 1e-9 or v == round(float(current), 4))


def parse_edited_numbers(raw_table, new_text, shown_text):
    """The raw variables table (name, …, current, new) with `new` read from the edited text cells
    (Vietnamese numbers); a cell left as shown keeps the exact current value; unreadable cells keep the
    current value and are returned by name."""
    from loaders.parsing import parse_number

    new, unreadable = [], []
    for name, cur, text, shown in zip(raw_table.get("name", []), raw_table.get("current", []), list(new_text),
                                      list(shown_text)):
        if text == shown:
            new.append(float(cur))
            continue
        try:
            value = float(parse_number(text))
            if value < 0:
                raise ValueError(text)
        except (TypeError, ValueError):
            value = float(cur)
            unreadable.append(str(name))
        new.append(value)
    out = raw_table.copy()
    if len(out):
        out["new"] = new
    return out, unreadable


def field_spread(ctx: PageContext, table, focus: str, who: str, key: str) -> None:
    """Under a condensed ranking chart (more entities than charts.FULL_RANKING_MAX): the whole field in
    one histogram with the focus marked, and a caption saying what the bars above leave out."""
    from dashboard import charts, fmt

    lang = ctx.sel.lang
    n_all = fmt.number(len(table), 0, lang)
    st.caption(ctx.t("ui.rankings.condensed_note", focus=focus, n=n_all, who=who))
    mine = table.loc[table["entity"] == focus]
    chart(charts.value_distribution(
        table, focus, value_col="bar_value", lang=lang,
        title=ctx.t("ui.rankings.distribution_title", n=n_all, who=who),
        x_title=ctx.t("ui.rankings.distribution_x"), y_title=ctx.t("ui.rankings.distribution_y", who=who),
        focus_text=None if mine.empty else ctx.t(
            "ui.rankings.distribution_focus", entity=focus, points=fmt.number(mine["bar_value"].iat[0], 2, lang),
            rank=fmt.number(mine["rank"].iat[0], 0, lang))), key=key)


def round_choice(ctx: PageContext, rounds, key: str) -> int:
    """The appraisal round a page works on: the newest first, kept across reruns; stops the page with a
    hint when the user has no round. Warns on a SAMPLE round once it is chosen (see `sample_round_note`)."""
    from dashboard import round_view as rv

    if rounds.empty:
        st.info(ctx.t("ui.selfform.no_round"), icon=":material/inbox:")
        st.stop()
    labels = {int(r["round_id"]): rv.round_label(r, ctx.lang) for _, r in rounds.iterrows()}
    ids = sorted(labels, reverse=True)
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    return st.selectbox(ctx.t("ui.round.round"), ids, key=key, format_func=labels.get)


def sample_round_note(ctx: PageContext, info: dict) -> None:
    if info.get("dataset") == "sample":
        st.warning(ctx.t("ui.round.sample_round"), icon=":material/science:")


def lead_assignment(ctx: PageContext, province: str) -> None:
    """Where the office assigns a lead agency to each criterion the framework names none for (the unit
    frameworks' seeds name none; the provincial one leaves a few to a placeholder). History is kept; plans and
    their sentences read the assignment (an unassigned criterion reads "cần phân công cơ quan chủ trì")."""
    import pandas as pd

    import storage.units
    from dashboard import auth, plan_text

    assigned = data.criterion_leads(ctx.sel.framework_id, province)
    open_codes = [leaf.code for leaf in ctx.framework.leaves if plan_text.is_unassigned(leaf.lead_agency)]
    with st.expander(ctx.t("ui.units.assign_title"), expanded=bool(open_codes) and not assigned):
        st.caption(ctx.t("ui.units.assign_help"))
        if not open_codes:
            st.caption(ctx.t("ui.units.assign_none_open"))
            return
        # the stored code is the (hidden) index; the code column shows it as read (CQS.2.3–2.4)
        leads_table = pd.DataFrame({"code": [ctx.code(c) for c in open_codes],
                                    "name": [ctx.node_name(c) for c in open_codes],
                                    "lead": [assigned.get(c, "") for c in open_codes]}, index=open_codes)
        edited = st.data_editor(
            leads_table, key=f"leads_{ctx.sel.framework_id}_{province}", hide_index=True, width="stretch",
            disabled=["code", "name"], height=min(320, 40 + 35 * len(open_codes)),
            column_config={"code": ctx.t("ui.methodology.code"), "name": ctx.t("ui.methodology.indicator"),
                           "lead": st.column_config.TextColumn(ctx.t("ui.methodology.lead"), max_chars=120)})
        editor = auth.explain_if_reader(ctx.lang)
        if st.button(ctx.t("ui.units.assign_save"), key="assign_leads", disabled=not editor,
                     help=None if editor else auth.reason(ctx.lang)):
            n = auth.write(ctx.lang, lambda who: storage.units.assign_criterion_leads(
                data.store(), ctx.sel.framework_id, province, dict(zip(edited.index, edited["lead"])),
                assigned_by=who))
            if n is not None:
                st.success(ctx.t("ui.units.assign_saved", n=int(n)))
