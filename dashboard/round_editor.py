"""The editor's tools on the round page (pages/round.py): open a round for the sidebar's framework,
level and province; assign criteria to council members; issue accounts; reopen a unit; change the deadline;
close. Streamlit pieces only: every change goes through office/appraisal.py via `auth.act`, which explains a
refusal in words; user text is shown as text, never as Markdown."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import auth, data, round_view as rv
from dashboard.widgets import PageContext
from office import appraisal
from office import round_accounts
from office import council
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
            datasets = ["own", "sample"]  # the province's own data unless SAMPLE is chosen here, on purpose
            dataset = st.radio(ctx.t("ui.controls.dataset"), datasets, horizontal=True, key="rd_dataset", index=0,
                               format_func=lambda d: ctx.t(f"ui.dataset.{d}"), help=ctx.t("ui.round.dataset_help"))
            if dataset == "sample":
                st.warning(ctx.t("ui.council.sample_chosen"), icon=":material/science:")
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
    accounts = round_accounts.accounts(store, info["province"])
    active = accounts.loc[accounts["disabled_at"].isna()] if not accounts.empty else accounts
    members = active.loc[active["role"] == "council"] if not active.empty else active
    member_names = {str(a): f"{n} ({a})" for a, n in zip(members.get("account", []), members.get("display_name", []))}

    with tab_assign:
        st.caption(ctx.t("ui.round.assign_help"))
        current = council.assignments(store, rid)
        now_of = dict(zip(current["code"], current["account"])) if not current.empty else {}
        none_word = ctx.t("ui.round.nobody")
        options = [none_word] + list(member_names.values())
        leaves = fw.leaves
        table = pd.DataFrame({
            ctx.t("ui.round.col_code"): [ctx.code(leaf.code) for leaf in leaves],
            ctx.t("ui.round.col_criterion"): [leaf.name_vi for leaf in leaves],
            ctx.t("ui.round.col_max"): [rv.points_text(leaf.max_points, lang) for leaf in leaves],
            ctx.t("ui.round.col_member"): [member_names.get(now_of.get(leaf.code), none_word) for leaf in leaves],
        })
        if not member_names:
            st.info(ctx.t("ui.round.assign_no_members"))
        else:
            bulk_assignment(ctx, store, rid, info, fw, fw_full, member_names, now_of)
        st.markdown(f"**{ctx.t('ui.council.assign_each')}**")
        edited = st.data_editor(
            table, hide_index=True, width="stretch", key=f"rd_assign_{rid}",
            disabled=[ctx.t("ui.round.col_code"), ctx.t("ui.round.col_criterion"), ctx.t("ui.round.col_max")],
            column_config={ctx.t("ui.round.col_member"): st.column_config.SelectboxColumn(
                ctx.t("ui.round.col_member"), options=options, required=True)})
        if st.button(ctx.t("ui.round.assign_save"), key="rd_assign_save", type="primary"):
            changed = rv.assignment_changes([leaf.code for leaf in leaves], edited[ctx.t("ui.round.col_member")],
                                            member_names, now_of)
            if changed and auth.act(lang, lambda actor: council.assign(store, rid, changed, actor), EDITOR):
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
        if "rd_address" not in st.session_state:
            st.session_state["rd_address"] = sign_in_address()
        address = st.text_input(ctx.t("ui.council.address"), key="rd_address", help=ctx.t("ui.council.address_help"))
        if st.button(ctx.t("ui.round.issue_button"), key="rd_issue", type="primary"):
            rows = [{"role": "unit", "unit": u} for u in issue_units]
            for line in members_text.splitlines():
                name, _, email = line.partition(";")
                if name.strip():
                    rows.append({"role": "council", "display_name": name.strip(), "email": email.strip() or None})
            if not rows:
                st.info(ctx.t("ui.round.nothing_changed"))
            else:
                issued = auth.act(lang, lambda actor: round_accounts.issue_accounts(store, info["province"], rows, actor), EDITOR)
                if issued is not None and not isinstance(issued, bool):
                    # shown once: the clear passwords live only in this session until the editor hides them
                    book = round_accounts.accounts_workbook(issued, rv.round_label(info, "vi"), address.strip())
                    st.session_state["rd_passwords"] = (rid, book, len(issued))
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
                    if auth.act(lang, lambda actor: round_accounts.disable_account(store, gone, actor), EDITOR):
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
        close_tab(ctx, store, rid, info, fw_full, undecided)


def sign_in_address() -> str:
    """The app's address for the accounts list: [dti_studio] app_url in the secrets, else the address this
    browser uses (st.context.url), else empty (the editor types it)."""
    try:
        url = str((st.secrets.get("dti_studio") or {}).get("app_url") or "")
    except Exception:  # noqa: BLE001 — no secrets file
        url = ""
    if not url:
        try:
            url = str(st.context.url or "")
        except Exception:  # noqa: BLE001 — AppTest or an older Streamlit
            url = ""
    return url.split("?")[0].rstrip("/")


def bulk_assignment(ctx: PageContext, store, rid: int, info: dict, fw, fw_full, member_names: dict, now_of: dict) -> None:
    """All criteria of one or more groups (or a chosen selection) to one member, in one step; the history
    keeps each change (council.assign records only what changes)."""
    lang = ctx.lang
    groups = rv.criteria(fw)
    g1, g2 = st.columns([3, 2])
    picked = g1.multiselect(ctx.t("ui.council.assign_groups"), [g for g, _, _ in groups], key=f"rd_asg_groups_{rid}",
                            format_func=lambda g: next(f"{ctx.code(g)}. {n} ({len(c)})" for c0, n, c in groups if c0 == g),
                            placeholder=ctx.t("ui.council.assign_groups_none"))
    codes = [leaf.code for leaf in fw.leaves]
    extra = g1.multiselect(ctx.t("ui.council.assign_codes"), codes, key=f"rd_asg_codes_{rid}",
                           format_func=lambda c: f"{ctx.code(c)}. {fw.nodes[c].name_vi}",
                           placeholder=ctx.t("ui.council.assign_codes_none"))
    none_word = ctx.t("ui.round.nobody")
    member = g2.selectbox(ctx.t("ui.council.assign_to"), [none_word] + list(member_names), key=f"rd_asg_member_{rid}",
                          format_func=lambda a: member_names.get(a, a))
    mapping = council.group_assignment(fw_full, info["level"], picked, None if member == none_word else member)
    mapping.update({c: None if member == none_word else member for c in extra})
    g2.caption(ctx.t("ui.council.assign_count", n=len(mapping),
                     changed=sum(1 for c, a in mapping.items() if a != (now_of.get(c) or None))))
    if g2.button(ctx.t("ui.council.assign_button"), key=f"rd_asg_go_{rid}", type="primary", disabled=not mapping,
                 width="stretch"):
        n = auth.act(lang, lambda actor: council.assign(store, rid, mapping, actor, framework=fw_full), EDITOR)
        if n is not None:
            st.session_state["rd_flash"] = ("ui.round.assign_saved", {"n": int(n)})
            for k in (f"rd_asg_groups_{rid}", f"rd_asg_codes_{rid}", f"rd_assign_{rid}"):
                st.session_state.pop(k, None)
            st.rerun()


def close_tab(ctx: PageContext, store, rid: int, info: dict, fw_full, undecided: int) -> None:
    """Close with the counts in view; before the deadline or with units not submitted, the round's label or
    "KẾT THÚC" must be typed (the service checks it again). The gap table can be read above, before."""
    lang = ctx.lang
    check = appraisal.close_check(store, fw_full, rid)
    st.caption(ctx.t("ui.round.close_help"))
    c = st.columns(3)
    c[0].metric(ctx.t("ui.council.close_submitted"), f"{check['submitted']}/{check['n_units']}")
    c[1].metric(ctx.t("ui.council.close_not_submitted"), str(check["not_submitted"]))
    c[2].metric(ctx.t("ui.council.close_undecided"), str(check["undecided"]))
    if check["submitted"] > check.get("submitted_now", check["submitted"]):   # why it differs from the progress
        st.caption(ctx.t("ui.council.close_submitted_before", n=check["submitted"] - check["submitted_now"],
                         now=check["submitted_now"]))
    if undecided:
        st.warning(ctx.t("ui.round.close_undecided", n=undecided), icon=":material/pending:")
    keep_self = st.checkbox(ctx.t("ui.round.keep_self", n=undecided), key="rd_keep_self", disabled=not undecided,
                            help=ctx.t("ui.round.keep_self_help"))
    if check["needs_confirmation"]:
        why = []
        if check["before_deadline"]:
            why.append(ctx.t("ui.council.close_why_deadline", deadline=rv.stamp(info["deadline"])))
        if check["not_submitted"]:
            why.append(ctx.t("ui.council.close_why_units", n=check["not_submitted"], total=check["n_units"]))
        st.error(ctx.t("ui.council.close_careful", why="; ".join(why)), icon=":material/warning:")
        phrase = check["label"] or appraisal.CLOSE_WORD
        typed = st.text_input(ctx.t("ui.council.close_type", phrase=auth.plain(phrase), word=appraisal.CLOSE_WORD),
                              key=f"rd_close_confirm_{rid}")
        ready = appraisal.confirmation_ok(check, typed)
    else:
        typed = ""
        ready = st.checkbox(ctx.t("ui.round.close_confirm"), key="rd_close_sure")
    if st.button(ctx.t("ui.round.close_button"), key="rd_close", type="primary", disabled=not ready):
        done = auth.act(lang, lambda actor: appraisal.close_round(store, fw_full, rid, actor,
                                                                  keep_self_for_undecided=bool(keep_self),
                                                                  confirm=typed), EDITOR)
        if done is not None and not isinstance(done, bool):
            st.session_state["rd_closed_msg"] = (rid, len(done.get("units_without_figures") or []),
                                                 int(done.get("kept_self") or 0))
            st.cache_data.clear()  # every page reads the closed round and its figures at once
            st.rerun()
