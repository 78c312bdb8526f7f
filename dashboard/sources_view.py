"""Widgets of the automatic-sources page ("Nguồn số liệu tự động"): the status table, the source form, the
"lấy ngay" button and the pull history. The rules live in office.sources; these only show and ask."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

import storage.inputs
import storage.sources
from dashboard import auth, data, fmt
from dashboard.i18n import t
from loaders.parsing import format_number
from office import sources
from scoring.framework import available_frameworks, display_code, variable_words

STATUS_WORDS = ("ok", "unchanged", "failed", "dry_run")


def period_words(minutes: int, lang: str) -> str:
    minutes = int(minutes)
    if minutes % 1440 == 0:
        return t("ui.autosource.every_days", lang, n=fmt.count(minutes // 1440, lang))
    if minutes % 60 == 0:
        return t("ui.autosource.every_hours", lang, n=fmt.count(minutes // 60, lang))
    return t("ui.autosource.every_minutes", lang, n=fmt.count(minutes, lang))


def status_frame(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The sources as a person reads them: words, Vietnam times, the state of each."""
    def state(r) -> str:
        if not bool(r["enabled"]):
            return t("ui.autosource.state_off", lang)
        if bool(r["stale"]):
            return t("ui.autosource.state_stale", lang)
        return t("ui.autosource.state_fine", lang)

    rows = []
    for r in table.to_dict("records"):
        nxt = r["next_run"]
        rows.append({
            t("ui.autosource.col_name", lang): r["name"],
            t("ui.autosource.col_state", lang): state(r),
            t("ui.autosource.col_period", lang): period_words(r["every_minutes"], lang),
            t("ui.autosource.col_last_success", lang): fmt.vn_datetime(r.get("last_success")) or "—",
            t("ui.autosource.col_last_failure", lang): fmt.vn_datetime(r.get("last_failure")) or "—",
            t("ui.autosource.col_next", lang): ("—" if nxt is None else t("ui.autosource.now", lang)
                                                if nxt.year < 2000 else fmt.vn_datetime(nxt)),
        })
    return pd.DataFrame(rows)


def failure_lines(table: pd.DataFrame, lang: str) -> None:
    """Each source's last failure in words, whole (never cut at a table's edge), with where it points."""
    for r in table.to_dict("records"):
        detail = r.get("last_failure_detail")
        failed_last = r.get("last_status") == "failed"
        if failed_last and isinstance(detail, str) and detail:
            st.text(t("ui.autosource.failure_line", lang, name=r["name"], when=fmt.vn_datetime(r["last_failure"]),
                      detail=detail, location=r["location"]))


def history_frame(runs: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("ui.autosource.col_time", lang): [fmt.vn_datetime(v) for v in runs["finished_at"]],
        t("ui.autosource.col_name", lang): runs["name"],
        t("ui.autosource.col_status", lang): [t(f"ui.autosource.status_{s}", lang) for s in runs["status"]],
        t("ui.autosource.col_import", lang): [("" if pd.isna(v) else fmt.count(v, lang)) for v in runs["import_id"]],
        t("ui.autosource.col_actor", lang): runs["actor"].fillna(""),
        t("ui.autosource.col_detail", lang): runs["detail"].fillna(""),
    })


def pull_now(names: list[str], lang: str) -> None:
    """Editors: pull one source now, whether due or not. The outcome (in words, never Markdown) is kept across
    the rerun that refreshes the state table above."""
    if not names:
        return
    name = st.selectbox(t("ui.autosource.pick", lang), names, key="sources_pick")
    if st.button(t("ui.autosource.pull_now", lang), disabled=not auth.can_edit(), type="primary"):
        def run(who):
            with st.spinner(t("ui.autosource.pulling", lang)):
                return sources.sync(data.store(), auth._secrets(), name=name, actor=who, trigger="button")
        results = auth.write(lang, run)
        if results:
            st.session_state["_autosource_outcome"] = [(r.name, r.status, r.detail, r.changes) for r in results]
            st.rerun()
    for name_, status, detail, changes in st.session_state.pop("_autosource_outcome", []):
        box = st.error if status == "failed" else st.success
        box(auth.plain(f"{name_}: {detail}"), icon=":material/sync:")
        if changes is not None and not changes.empty:
            src = storage.sources.source(data.store(), name_) or {}
            st.dataframe(changes_frame(changes, lang, src.get("framework_id")), hide_index=True)


def changes_frame(changes: pd.DataFrame, lang: str, framework_id: str | None = None) -> pd.DataFrame:
    """What a pull changed; each figure named in words by the source's framework (the code as a reference)."""
    fw = data.framework(framework_id) if framework_id in data.framework_ids() else None
    return pd.DataFrame({
        t("ui.autosource.col_entity", lang): changes["entity"],
        t("ui.autosource.col_year", lang): changes["year"].astype(int).astype(str),
        t("ui.autosource.col_indicator", lang): [
            variable_words(fw, c, v, lang) if fw is not None and str(c) in fw.nodes else f"{display_code(c)} {v}"
            for c, v in zip(changes["indicator"], changes["variable"])],
        t("ui.autosource.col_previous", lang): [_raw(v, lang) for v in changes["previous_value"]],
        t("ui.autosource.col_value", lang): [_raw(v, lang) for v in changes["value"]],
    })


def group_choices(current: str) -> dict[str, str]:
    """The groups a source can feed, in words: the 34 provinces, and each province's units of one level."""
    from loaders.units import split_group, unit_group

    out = {"34": t("ui.autosource.group_34")}
    units = data.units()
    for (province, level), _ in (units.groupby(["province", "level"]) if not units.empty else []):
        out[unit_group(level, province)] = t("ui.autosource.group_units", level=t(f"ui.levels.{level}"),
                                             province=province)
    if current not in out:
        level, province = split_group(current)
        out[current] = t("ui.autosource.group_units", level=t(f"ui.levels.{level}"), province=province) \
            if province else current
    return out


def _raw(v, lang: str) -> str:
    """A raw figure as written: whole numbers without decimals (600, 1.000), others as they are (0,896)."""
    return "—" if v is None or pd.isna(v) else format_number(v, lang)


MAPPING_COLUMNS = ("field", "indicator", "variable", "convert")


def source_form(lang: str, existing: dict | None, group_default: str, framework_default: str) -> None:
    """Register or edit a source. Everything typed stays in the form until saved; the mapping is checked
    against the framework before anything is written."""
    src = existing or {}
    mapping = json.loads(src.get("mapping_json") or "{}") if src else {}
    with st.form("source_form", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(t("ui.autosource.f_name", lang), value=src.get("name", ""), max_chars=80,
                             disabled=bool(existing))
        kind = c2.selectbox(t("ui.autosource.f_kind", lang), sources.KINDS, format_func=lambda k: t(f"ui.autosource.kind_{k}", lang),
                            index=sources.KINDS.index(src.get("kind", "url")))
        fmt_ = c3.selectbox(t("ui.autosource.f_format", lang), sources.FORMATS,
                            format_func=lambda k: t(f"ui.autosource.format_{k}", lang),
                            index=sources.FORMATS.index(src.get("format", "csv")))
        location = st.text_input(t("ui.autosource.f_location", lang), value=src.get("location", ""),
                                 help=t("ui.autosource.f_location_help", lang))
        c4, c5, c6 = st.columns(3)
        json_path = c4.text_input(t("ui.autosource.f_json_path", lang), value=src.get("json_path") or "",
                                  help=t("ui.autosource.f_json_path_help", lang))
        secret = c5.text_input(t("ui.autosource.f_secret", lang), value=src.get("secret") or "",
                               help=t("ui.autosource.f_secret_help", lang))
        every = c6.number_input(t("ui.autosource.f_every", lang), min_value=5, max_value=60 * 24 * 31, step=5,
                                value=int(src.get("every_minutes", 1440)))
        c7, c8, c9 = st.columns(3)
        frameworks = available_frameworks()
        fw_id = c7.selectbox(t("ui.autosource.f_framework", lang), frameworks,
                             index=frameworks.index(src.get("framework_id", framework_default))
                             if src.get("framework_id", framework_default) in frameworks else 0,
                             format_func=lambda f: data.framework(f).name_vi if lang == "vi" else data.framework(f).name_en)
        groups = group_choices(src.get("entity_group", group_default))
        group = c8.selectbox(t("ui.autosource.f_group", lang), list(groups), format_func=groups.get,
                             index=list(groups).index(src.get("entity_group", group_default)),
                             help=t("ui.autosource.f_group_help", lang))
        enabled = c9.checkbox(t("ui.autosource.f_enabled", lang), value=bool(src.get("enabled", True)))
        c10, c11 = st.columns(2)
        ent = mapping.get("entity", {})
        entity = c10.text_input(t("ui.autosource.f_entity", lang), value=ent.get("column") or ent.get("fixed") or "",
                                help=t("ui.autosource.f_entity_help", lang))
        entity_fixed = c10.checkbox(t("ui.autosource.f_fixed", lang), value="fixed" in ent, key="ent_fixed")
        yr = mapping.get("year", {})
        year = c11.text_input(t("ui.autosource.f_year", lang), value=str(yr.get("column") or yr.get("fixed") or ""),
                              help=t("ui.autosource.f_year_help", lang))
        year_fixed = c11.checkbox(t("ui.autosource.f_fixed", lang), value="fixed" in yr, key="year_fixed")
        st.caption(t("ui.autosource.f_fields_help", lang))
        fields = pd.DataFrame(mapping.get("fields") or [{"field": "", "indicator": "", "variable": "", "convert": "none"}],
                              columns=list(MAPPING_COLUMNS)).fillna("")
        words = {c: t(f"ui.autosource.convert_{c}", lang) for c in sources.CONVERSIONS}
        fields["convert"] = fields["convert"].replace("", "none").map(words)
        edited = st.data_editor(fields, num_rows="dynamic", hide_index=True, key="source_fields", column_config={
            "field": st.column_config.TextColumn(t("ui.autosource.c_field", lang), required=True),
            "indicator": st.column_config.TextColumn(t("ui.autosource.c_indicator", lang), required=True),
            "variable": st.column_config.TextColumn(t("ui.autosource.c_variable", lang), required=True),
            "convert": st.column_config.SelectboxColumn(t("ui.autosource.c_convert", lang), options=list(words.values()),
                                                        required=True, default=words["none"]),
        })
        saved = st.form_submit_button(t("ui.autosource.save", lang), disabled=not auth.can_edit(), type="primary")
    if not saved:
        return
    code_of = {w: c for c, w in words.items()}
    rows = [{**{k: str(r[k] or "").strip() for k in MAPPING_COLUMNS}, "convert": code_of.get(r.get("convert"), "none")}
            for r in edited.to_dict("records") if str(r.get("field") or "").strip()]
    spec = sources.Mapping(
        entity={"fixed": entity.strip()} if entity_fixed else {"column": entity.strip()},
        year={"fixed": int(year) if year.strip().isdigit() else year.strip()} if year_fixed else {"column": year.strip()},
        fields=rows)
    try:
        if not name.strip():
            raise sources.SourceProblem("bad_mapping", detail=t("ui.autosource.need_name", lang))
        spec.check(data.framework(fw_id))
        if kind == "url" and not location.strip().lower().startswith(("http://", "https://")):
            raise sources.SourceProblem("bad_url", location=location)
    except sources.SourceProblem as exc:
        st.error(auth.plain(sources.words(exc.code, lang, **exc.params)), icon=":material/error:")
        return
    row = {"name": name.strip(), "kind": kind, "location": location.strip(), "format": fmt_,
           "json_path": json_path.strip() or None, "secret": secret.strip() or None, "every_minutes": int(every),
           "framework_id": fw_id, "entity_group": group.strip() or group_default, "mapping_json": spec.to_json(),
           "enabled": bool(enabled)}
    if auth.write(lang, lambda who: storage.sources.save_source(data.store(), row, who=who)):
        st.success(auth.plain(t("ui.autosource.saved", lang, name=row["name"])), icon=":material/check:")


def import_diff(import_id: int, lang: str) -> None:
    """What one pull changed (each value beside the one it replaced); undo is on the Data page."""
    diff = storage.inputs.import_diff(data.store(), int(import_id), limit=2000)
    changed = diff.loc[~(diff["value"] == diff["previous_value"])]
    st.caption(t("ui.autosource.diff_caption", lang, n=fmt.count(len(changed), lang), total=fmt.count(len(diff), lang)))
    if not changed.empty:
        info = storage.inputs.import_info(data.store(), int(import_id)) or {}
        st.dataframe(changes_frame(changed, lang, info.get("framework_id")), hide_index=True)
    st.page_link("pages/data.py", label=t("ui.autosource.undo_link", lang), icon=":material/undo:")


def stale_flag(lang: str) -> None:
    """One line on the overview when a source has delivered nothing for two of its periods."""
    table = data.source_status()
    if table.empty or not table["stale"].any():
        return
    names = ", ".join(table.loc[table["stale"], "name"])
    st.warning(auth.plain(t("ui.autosource.stale_warning", lang, names=names)), icon=":material/schedule:")
    st.page_link("pages/sources.py", label=t("ui.autosource.title", lang), icon=":material/cloud_sync:")
