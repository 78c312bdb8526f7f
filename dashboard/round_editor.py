"""The editor's tools on the round page (pages/round.py): open a round for the sidebar's framework,
level and province; assign criteria to council members; issue accounts; reopen a unit; change the deadline;
close. Streamlit pieces only: every change goes through office/appraisal.py via `auth.act`, which explains a
refusal in words; user text is shown as text, never as Markdown."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import auth, data, round_view as rv, tables
from dashboard.widgets import PageContext
from office import appraisal
from loaders.units import valid_in_year

EDITOR = ("editor",)


def open_round_form(ctx: PageContext, store, expanded: bool) -> int | None:
    """The "open a new round" box. Returns the new round's id when one was opened in this run."""
    sel, lang = ctx.sel, ctx.lang
    with st.expander(ctx.t("ui.round.open_title"), icon=":material/add_circle:", expanded=expanded):
        fw_full = data.framework(sel.framework_id)
        if sel.is_province or sel.level not in fw_full.unit_levels:
            st.info(ctx.t("ui.round.open_need_level"), icon=":material/info:")
        else:
            st.caption(ctx.t("ui.round.open_for", framework=fw_full.name_vi if lang == "vi" else fw_full.name_en,
                             level=ctx.t(f"ui.levels.{sel.level}"), province=sel.province or ""))
            c1, c2, c3 = st.columns(3)
            year = c1.number_input(ctx.t("ui.common.year"), min_value=2020, max_value=2040, step=1,
                                   value=int(sel.year or date.today().year), key="rd_year")
            deadline = c2.date_input(ctx.t("ui.round.deadline"), value=None, key="rd_deadline", format="DD/MM/YYYY",
                                     help=ctx.t("ui.round.deadline_help"))
            label = c3.text_input(ctx.t("ui.round.label"), key="rd_label")
            allow_reply = st.checkbox(ctx.t("ui.round.allow_reply"), value=True, key="rd_allow_reply",
                                      help=ctx.t("ui.round.allow_reply_help"))
            level_units = data.units(sel.province)
            level_units = level_units.loc[level_units["level"] == sel.level]
            names = sorted(level_units.loc[valid_in_year(level_units, int(year)), "name"])
            # 150 communes: the units left OUT are chosen (a list of 150 chips would be unreadable).
            left_out = st.multiselect(ctx.t("ui.round.units_left_out"), names, key="rd_left_out",
                                      placeholder=ctx.t("ui.round.units_left_out_none"))
            covered = [n for n in names if n not in set(left_out)]
            st.caption(ctx.t("ui.round.units_covered", n=len(covered), total=len(names)))
            datasets = ["own", "sample"]
            dataset = st.radio(ctx.t("ui.controls.dataset"), datasets, horizontal=True, key="rd_dataset",
                               index=datasets.index(sel.dataset) if sel.dataset in datasets else 0,
                               format_func=lambda d: ctx.t(f"ui.dataset.{d}"), help=ctx.t("ui.round.dataset_help"))
            if st.button(ctx.t("ui.round.open_button"), type="primary", key="rd_open"):
                if deadline is None or not covered:
                    st.error(ctx.t("ui.round.open_incomplete"))
                else:
                    rid = auth.act(lang, lambda actor: appraisal.open_round(
                        store, data.framework(sel.framework_id), sel.province, sel.level, int(year), deadline,
                        label, covered, allow_reply, actor, dataset=dataset), EDITOR)
                    if rid is not None:
                        st.session_state["rd_round"] = int(rid)
                        st.success(ctx.t("ui.round.opened", id=int(rid)))
                        return int(rid)
    return None


def tools(ctx: PageContext, store, rid: int, info: dict, fw, fw_full, undecided: int) -> None:
    """The editor's tabs for an open round."""
    lang = ctx.lang
    st.divider()
    tab_assign, tab_accounts, tab_reopen, tab_deadline, tab_close = st.tabs([
        ctx.t("ui.round.tab_assign"), ctx.t("ui.round.tab_accounts"), ctx.t("ui.round.tab_reopen"),
        ctx.t("ui.round.tab_deadline"), ctx.t("ui.round.tab_close")])
    accounts = appraisal.accounts(store, info["province"])
    active = accounts.loc[accounts["disabled_at"].isna()] if not accounts.empty else accounts
    council = active.loc[active["role"] == "council"] if not active.empty else active
    member_names = {str(a): f"{n} ({a})" for a, n in zip(council.get("account", []), council.get("display_name", []))}

    with tab_assign:
        st.caption(ctx.t("ui.round.assign_help"))
        current = appraisal.assignments(store, rid)
        now_of = dict(zip(current["code"], current["account"])) if not current.empty else {}
        none_word = ctx.t("ui.round.nobody")
        options = [none_word] + list(member_names.values())
        leaves = fw.leaves
        table = pd.DataFrame({
            ctx.t("ui.round.col_code"): [leaf.code for leaf in leaves],
            ctx.t("ui.round.col_criterion"): [leaf.name_vi for leaf in leaves],
            ctx.t("ui.round.col_max"): [rv.points_text(leaf.max_points, lang) for leaf in leaves],
            ctx.t("ui.round.col_member"): [member_names.get(now_of.get(leaf.code), none_word) for leaf in leaves],
        })
        if not member_names:
            st.info(ctx.t("ui.round.assign_no_members"))
        edited = st.data_editor(
            table, hide_index=True, width="stretch", key=f"rd_assign_{rid}",
            disabled=[ctx.t("ui.round.col_code"), ctx.t("ui.round.col_criterion"), ctx.t("ui.round.col_max")],
            column_config={ctx.t("ui.round.col_member"): st.column_config.SelectboxColumn(
                ctx.t("ui.round.col_member"), options=options, required=True)})
        if st.button(ctx.t("ui.round.assign_save"), key="rd_assign_save", type="primary"):
            changed = rv.assignment_changes(edited[ctx.t("ui.round.col_code")], edited[ctx.t("ui.round.col_member")],
                                            member_names, now_of)
            if changed and auth.act(lang, lambda actor: appraisal.assign(store, rid, changed, actor), EDITOR):
                st.success(ctx.t("ui.round.assign_saved", n=len(changed)))
            elif not changed:
                st.info(ctx.t("ui.round.nothing_changed"))

    with tab_accounts:
        st.caption(ctx.t("ui.round.accounts_help"))
        units_of_round = list(info.get("units") or [])
        with_account = set(active.loc[active["role"] == "unit", "unit"]) if not active.empty else set()
        issue_units = st.multiselect(ctx.t("ui.round.issue_units"), units_of_round, key=f"rd_issue_units_{rid}",
                                     default=[u for u in units_of_round if u not in with_account],
                                     placeholder=ctx.t("ui.round.issue_units_none"),
                                     help=ctx.t("ui.round.issue_units_help"))
        members_text = st.text_area(ctx.t("ui.round.issue_members"), key="rd_issue_members",
                                    help=ctx.t("ui.round.issue_members_help"))
        if st.button(ctx.t("ui.round.issue_button"), key="rd_issue", type="primary"):
            rows = [{"role": "unit", "unit": u} for u in issue_units]
            for line in members_text.splitlines():
                name, _, email = line.partition(";")
                if name.strip():
                    rows.append({"role": "council", "display_name": name.strip(), "email": email.strip() or None})
            if not rows:
                st.info(ctx.t("ui.round.nothing_changed"))
            else:
                issued = auth.act(lang, lambda actor: appraisal.issue_accounts(store, info["province"], rows, actor), EDITOR)
                if issued is not None and not isinstance(issued, bool):
                    # shown once: the clear passwords live only in this session until the editor hides them
                    st.session_state["rd_passwords"] = (rid, tables.to_excel_bytes(rv.passwords_table(issued, lang),
                                                                                   sheet="Danh sách tài khoản"), len(issued))
                    st.rerun()
        passwords = st.session_state.get("rd_passwords")
        if passwords and passwords[0] == rid:
            st.warning(ctx.t("ui.round.passwords_once", n=passwords[2]), icon=":material/key:")
            c1, c2 = st.columns(2)
            c1.download_button(ctx.t("ui.round.passwords_download"), passwords[1], key="rd_pw_dl",
                               file_name=f"danh_sach_tai_khoan_vong_{rid}.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            if c2.button(ctx.t("ui.round.passwords_forget"), key="rd_pw_forget"):
                st.session_state.pop("rd_passwords", None)
                st.rerun()
        if not accounts.empty:
            st.dataframe(rv.accounts_table(accounts, lang), hide_index=True, width="stretch")
            logins = [str(a) for a in active["account"]] if not active.empty else []
            if logins:
                names = dict(zip(active["account"], active["display_name"]))
                c1, c2 = st.columns([3, 1])
                gone = c1.selectbox(ctx.t("ui.round.disable_which"), logins, key="rd_disable_which",
                                    format_func=lambda a: f"{names.get(a, a)} ({a})")
                c2.write("")
                if c2.button(ctx.t("ui.round.disable_button"), key="rd_disable"):
                    if auth.act(lang, lambda actor: appraisal.disable_account(store, gone, actor), EDITOR):
                        st.success(ctx.t("ui.round.disabled", account=gone))

    with tab_reopen:
        st.caption(ctx.t("ui.round.reopen_help"))
        units_of_round = list(info.get("units") or [])
        r1, r2 = st.columns(2)
        unit = r1.selectbox(ctx.t("ui.round.col_unit"), units_of_round, key="rd_reopen_unit")
        until = r2.date_input(ctx.t("ui.round.reopen_until"), value=None, key="rd_reopen_until", format="DD/MM/YYYY")
        why = st.text_input(ctx.t("ui.round.reason"), key="rd_reopen_reason")
        if st.button(ctx.t("ui.round.reopen_button"), key="rd_reopen"):
            if until is None or not why.strip():
                st.error(ctx.t("ui.round.reopen_incomplete"))
            elif auth.act(lang, lambda actor: appraisal.reopen(store, rid, unit, until, why.strip(), actor), EDITOR):
                st.session_state["rd_flash"] = ("ui.round.reopened", {"until": until.strftime("%d/%m/%Y")})
                st.rerun()  # the progress and the log above show the reopened form

    with tab_deadline:
        d1, d2 = st.columns(2)
        new_deadline = d1.date_input(ctx.t("ui.round.deadline"), value=pd.Timestamp(info["deadline"]).date(),
                                     key=f"rd_new_deadline_{rid}", format="DD/MM/YYYY")
        why_deadline = d2.text_input(ctx.t("ui.round.reason"), key="rd_deadline_reason")
        if st.button(ctx.t("ui.round.deadline_button"), key="rd_deadline_save"):
            if not why_deadline.strip():
                st.error(ctx.t("ui.round.reason_needed"))
            elif auth.act(lang, lambda actor: appraisal.set_deadline(store, rid, new_deadline, actor,
                                                                     why_deadline.strip()), EDITOR):
                st.session_state["rd_flash"] = ("ui.round.deadline_saved", {})
                st.rerun()

    with tab_close:
        st.caption(ctx.t("ui.round.close_help"))
        if undecided:
            st.warning(ctx.t("ui.round.close_undecided", n=undecided), icon=":material/pending:")
        keep_self = st.checkbox(ctx.t("ui.round.keep_self", n=undecided), key="rd_keep_self", disabled=not undecided,
                                help=ctx.t("ui.round.keep_self_help"))
        sure = st.checkbox(ctx.t("ui.round.close_confirm"), key="rd_close_sure")
        if st.button(ctx.t("ui.round.close_button"), key="rd_close", type="primary", disabled=not sure):
            done = auth.act(lang, lambda actor: appraisal.close_round(store, fw_full, rid, actor,
                                                                      keep_self_for_undecided=bool(keep_self)), EDITOR)
            if done is not None and not isinstance(done, bool):
                st.session_state["rd_closed_msg"] = (rid, len(done.get("units_without_figures") or []),
                                                     int(done.get("kept_self") or 0))
                st.rerun()
