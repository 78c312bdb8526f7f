"""Tables for display and download: localised headers, Vietnamese number format, CSV/Excel export.

Displayed numbers are formatted for the UI language (1.234,56 in Vietnamese); the table is already
sorted by the chosen measure. Downloads keep raw numbers (Excel cells are numeric).

Why one module: every display and download table is formatted through the same few helpers (numbers,
kinds, localised columns, the empty state), so a leader's screen reads alike everywhere.
"""
from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from dashboard import fmt, levels
from dashboard.i18n import display_code, t
from scoring.framework import variable_meaning
from loaders.safe_output import neutralise_frame


def PROVINCE(lang: str) -> dict[str, str]:  # noqa: N802 — published results always name provinces
    return levels.words("province", lang)


def show(frame, lang: str | None = None, **kwargs) -> None:
    """st.dataframe, except that an empty table says so in words ("Chưa có dữ liệu.") instead of
    Streamlit's own English "empty"."""
    data = getattr(frame, "data", frame)  # a Styler holds its frame in .data
    if data is None or len(data) == 0:
        st.caption(t("ui.common.no_rows", lang or st.session_state.get("lang", "vi")))
        return
    st.dataframe(frame, **kwargs)


def _fmt_col(series: pd.Series, decimals: int, lang: str, signed: bool = False) -> pd.Series:
    return series.map(lambda v: fmt.number(v, decimals, lang, signed))


def _int_col(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").round().astype("Int64")


def signed_ints(series: pd.Series) -> pd.Series:
    """Rank changes as text with their sign (+2, 0, −1) so a rise reads as a rise."""
    return _int_col(series).map(lambda v: "—" if pd.isna(v) else (f"+{v}" if v > 0 else str(v)))


def ranking_frame(table: pd.DataFrame, ctx, main_codes: list[str]) -> pd.DataFrame:
    """Raw (numeric) ranking table with localised headers, for download."""
    lang = ctx.lang
    out = pd.DataFrame({
        t("ui.common.rank", lang): _int_col(table["rank"]),
        ctx.entity_word: table["entity"],
        t("ui.common.total", lang): table["total"].round(2),
        t("ui.common.value", lang): table["value"].round(4),
    })
    if "rank_change" in table:
        out[t("ui.rankings.change", lang)] = signed_ints(table["rank_change"])
        out[t("ui.rankings.points_change", lang)] = table["points_change"].round(2)
    for c in main_codes:
        out[ctx.node_label(c)] = table[f"main_{c}"].round(2)
    return out


def component_frame(table: pd.DataFrame, ctx) -> pd.DataFrame:
    lang = ctx.lang
    return pd.DataFrame({
        t("ui.common.rank", lang): _int_col(table["rank"]),
        ctx.entity_word: table["entity"],
        t("ui.common.points", lang).capitalize(): table["points"].round(2),
        "%": (100 * table["value"]).round(1),
    })


def localise(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Float columns as text in the UI language's number format (integers and text unchanged).

    Columns on the 0–1 scale get 4 decimals (as published), others 2; change columns are signed.
    """
    out = frame.copy()
    signed_cols = {t("ui.rankings.points_change", lang)}
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            values = out[col].dropna()
            if values.empty:
                decimals = 0
            elif values.abs().max() <= 1:
                decimals = 4
            elif (values == values.round()).all() and col not in signed_cols:
                decimals = 0
            else:
                decimals = 2
            out[col] = _fmt_col(out[col], decimals, lang, col in signed_cols)
        elif pd.api.types.is_integer_dtype(out[col]) and (out[col].isna().any() or (
                str(col) != t("ui.common.year", lang) and out[col].abs().max() >= 10_000)):
            # Nullable integers (ranks) with gaps: the gap reads "—", not "None"; large counts grouped (12.345).
            out[col] = out[col].map(lambda v: "—" if pd.isna(v) else fmt.count(v, lang))
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].where(out[col].notna(), "—")
    return out


FOCUS_ROW_STYLE = "background-color: #fde2e2; color: #7a1010; font-weight: 700"


def focus_rows(frame: pd.DataFrame, name_col: str, focus: str):
    """The table with the focus entity's row highlighted (the same red as the charts' focus bar)."""
    if name_col not in frame.columns:
        return frame
    return frame.style.apply(lambda row: [FOCUS_ROW_STYLE if row[name_col] == focus else ""] * len(row), axis=1)


def kind_words(kind, lang: str, constituent_kinds: str = "") -> str:
    """A figure's kind in words of the UI language ('Công bố chính thức', 'Báo chí', 'Tổng hợp của bên
    thứ ba (không chính thức)', a combination joined by ' + ', or a derived kind with what it came from)."""
    from dashboard.analysis import kind_words as words

    return words(kind, lambda key, **kw: t(key, lang, **kw), constituent_kinds)


def history_table(rows: pd.DataFrame, lang: str, with_constituents: bool = False) -> pd.DataFrame:
    """Published history rows (analysis.published_history_*) for display: every value and rank with its kind
    in words, the method period of its year and the source."""
    from dashboard.analysis import method_period

    out = pd.DataFrame({
        t("ui.common.year", lang): rows["year"].astype(int).to_numpy(),
        t("ui.common.province_name", lang): rows["entity"].to_numpy(),
        t("ui.common.value", lang): rows["value"].astype(float).to_numpy(),
        t("ui.common.rank", lang): _int_col(rows["rank"]).reset_index(drop=True),
        t("ui.rankings.n_ranked", lang, **PROVINCE(lang)): _int_col(rows["n_ranked"]).reset_index(drop=True),
        t("ui.history.rank_kind", lang): [kind_words(k, lang) or "—" for k in rows["rank_kind"]],
        t("ui.history.value_kind", lang): [kind_words(k, lang, c if with_constituents else "") or "—" for k, c in
                                           zip(rows["value_kind"], rows["constituent_kinds"])],
        t("ui.history.period", lang): [t(f"ui.history.period_{method_period(y)}", lang) for y in rows["year"]],
    })
    if with_constituents:
        out[t("ui.history.constituents", lang)] = rows["constituents"].to_numpy()
    out[t("ui.rankings.source", lang)] = rows["source_url"].to_numpy()
    return out


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "DTI") -> bytes:
    """Excel with numeric cells (sortable, summable) and a number format: Excel shows them with the
    reader's own separators (1.234,56 in a Vietnamese-locale Excel)."""
    from openpyxl.utils import get_column_letter

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame = neutralise_frame(frame)  # no text cell can run as a formula (loaders.safe_output)
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        ws = writer.sheets[sheet[:31]]
        for j, col in enumerate(frame.columns, start=1):
            series = frame[col]
            if pd.api.types.is_float_dtype(series):
                vals = series.dropna()
                fmt_code = "0.0000" if len(vals) and vals.abs().max() <= 1 else "#,##0.00"
            elif pd.api.types.is_integer_dtype(series):
                fmt_code = "0"
            else:
                fmt_code = None
            if fmt_code:
                for row in range(2, len(frame) + 2):
                    ws.cell(row, j).number_format = fmt_code
            width = max([len(str(col))] + [len(str(v)) for v in series.head(200)]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(width, 60)
    return buf.getvalue()


def to_csv_bytes(frame: pd.DataFrame, lang: str) -> bytes:
    """CSV that opens correctly in Excel of the reader's language: UTF-8 with BOM (diacritics); in Vietnamese
    ';' between fields and a decimal comma (a Vietnamese-locale Excel reads ',' as the decimal mark), no
    thousands separator; in English ',' and a decimal point."""
    frame = neutralise_frame(frame)  # no text cell can run as a formula (loaders.safe_output)
    if lang == "vi":
        return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    return frame.to_csv(index=False).encode("utf-8-sig")


def download_buttons(frame: pd.DataFrame, stem: str, lang: str) -> None:
    """CSV (BOM; Vietnamese: ';' and decimal comma) and Excel (numeric cells with a number format); formula-like
    text neutralised. Built only when a button is clicked (Streamlit calls the function then, outside the
    script run: it must not use st.*)."""
    raw = frame.copy()
    c1, c2 = st.columns(2)
    c1.download_button(t("ui.common.download_csv", lang), lambda: to_csv_bytes(raw, lang),
                       file_name=f"{stem}.csv", mime="text/csv", key=f"dl_csv_{stem}",
                       help=t("ui.common.download_csv_help", lang))
    c2.download_button(t("ui.common.download_xlsx", lang), lambda: to_excel_bytes(raw),
                       file_name=f"{stem}.xlsx", key=f"dl_xlsx_{stem}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def movers_frame(part: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("ui.common.province", lang): part["entity"],
        t("ui.common.rank", lang): _int_col(part["rank"]),
        t("ui.rankings.change", lang): signed_ints(part["rank_change"]),
        t("ui.rankings.points_change", lang): part["points_change"],
    })


def variable_word(name: str, lang: str) -> str:
    """A variable name as a reader sees it: the letters of a formula (a, b, n) stay as the method writes
    them; listed parts read "mục 1" (item1); the judged-points variable of the unit frameworks "điểm chấm"."""
    import re

    name = str(name)
    if name == "points":
        return t("ui.common.judged_points", lang)
    m = re.fullmatch(r"item(\d+)", name)
    return t("ui.common.item_n", lang, n=m.group(1)) if m else name


def variable_words(variables: pd.Series, lang: str) -> pd.Series:
    return variables.astype(str).map(lambda v: variable_word(v, lang))


def figures_in_words(frame: pd.DataFrame, framework, lang: str, value_col: str = "value") -> tuple[pd.Series, pd.Series]:
    """(variable in words, value as read) of stored rows: by the framework's meaning and the variable's kind
    (people whole, yes/no in words) where the framework knows the criterion, else the generic word and two
    decimals."""
    def meaning(code, var):
        node = framework.nodes.get(str(code)) if framework is not None else None
        if node is None or not any(v.name == var for v in node.variables):
            return variable_word(str(var), lang)
        return variable_meaning(framework, code, var, lang)

    def value(code, var, v):
        node = framework.nodes.get(str(code)) if framework is not None else None
        if node is None or not any(x.name == var for x in node.variables):
            return fmt.number(v, 2, lang) if pd.notna(v) else "—"
        return raw_value(framework, str(code), var, v, lang, trim=True)

    words = pd.Series([meaning(c, v) for c, v in zip(frame["indicator"], frame["variable"])], index=frame.index)
    values = pd.Series([value(c, v, x) for c, v, x in zip(frame["indicator"], frame["variable"], frame[value_col])],
                       index=frame.index)
    return words, values


# -- import history (pages/data.py) -----------------------------------------------------------------------

def _stamp(value) -> str:
    """A stored moment (UTC) as a person in Vietnam reads it."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return fmt.vn_datetime(value)


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def import_form_words(form, lang: str) -> str:
    key = f"ui.imports.form_{form}"
    words = t(key, lang)
    return words if words != key else t("ui.imports.form_long", lang).split(" (")[0]


def import_history(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The import log in words: no identifiers, no empty markers; numbers as numbers."""
    def scope(r) -> str:
        if r.get("form") == "units" or r.get("framework_id") is None or pd.isna(r.get("framework_id")):
            return _text(r.get("entity_group"))
        group = _text(r.get("entity_group"))
        return {"34": t("ui.controls.group_34", lang), "units": t("ui.common.unit", lang)}.get(group, group)

    rows = []
    for r in log.to_dict("records"):
        rolled = _text(r.get("rolled_back_at"))
        rows.append({
            t("ui.imports.id", lang): int(r["import_id"]),
            t("ui.imports.at", lang): _stamp(r["imported_at"]),
            t("ui.imports.file", lang): _text(r["file_name"]),
            t("ui.imports.form", lang): import_form_words(r.get("form"), lang),
            t("ui.imports.scope", lang): scope(r),
            t("ui.imports.rows", lang): fmt.count(r["n_rows"], lang),
            t("ui.imports.kind", lang): t(f"ui.data.flag_{r['flag']}", lang)
            + (f" — {_text(r.get('flag_source'))}" if _text(r.get("flag_source")) else ""),
            t("ui.imports.by", lang): _text(r.get("imported_by")) or "—",
            t("ui.imports.status", lang): t("ui.imports.rolled_back", lang, at=_stamp(r["rolled_back_at"]),
                                            by=_text(r.get("rolled_back_by")))
            if rolled else t("ui.imports.active", lang),
        })
    return pd.DataFrame(rows)


def import_diff_table(diff: pd.DataFrame, lang: str, framework=None) -> pd.DataFrame:
    """An import's values beside the values they replaced, with the kind of change in words; with the import's
    framework, each figure by its meaning and read by its kind (people whole, yes/no in words)."""
    if diff.empty:
        return diff
    if "change" in diff and "previous_level" in diff:  # a unit list
        return pd.DataFrame({
            t("ui.data.unit_name", lang): diff["name"].map(_text),
            t("ui.data.unit_level", lang): diff["level"].map(lambda v: t(f"ui.levels.{v}", lang) if _text(v) else "—"),
            t("ui.imports.previous", lang): diff["previous_level"].map(
                lambda v: t(f"ui.levels.{v}", lang) if _text(v) else "—"),
            t("ui.imports.change", lang): diff["change"].map(lambda c: {
                "added": t("ui.imports.diff_new", lang), "same": t("ui.imports.diff_same", lang)}.get(
                    c, t("ui.imports.diff_changed", lang))),
        })
    prev = diff["previous_value"]
    change = [t("ui.imports.diff_new", lang) if pd.isna(pi) else
              t("ui.imports.diff_same", lang) if (pd.isna(v) and pd.isna(p)) or v == p else
              t("ui.imports.diff_changed", lang)
              for v, p, pi in zip(diff["value"], prev, diff["previous_import"])]
    keys = [c for c in ("entity", "target_id", "year", "indicator", "variable") if c in diff]
    headers = {"entity": t("ui.common.province_name", lang) + " / " + t("ui.common.unit", lang).lower(),
               "target_id": t("ui.methodology.code", lang),
               "year": t("ui.common.year", lang), "indicator": t("ui.methodology.code", lang),
               "variable": t("ui.methodology.variables", lang)}
    out = pd.DataFrame({headers[k]: (variable_words(diff[k], lang) if k == "variable" else
                                     diff[k].map(display_code) if k == "indicator" else diff[k].astype(str))
                        if k != "year" else diff[k].astype(int) for k in keys})
    if framework is not None and "indicator" in diff and "variable" in diff:
        out[headers["variable"]], out[t("ui.imports.value", lang)] = figures_in_words(diff, framework, lang)
        out[t("ui.imports.previous", lang)] = figures_in_words(diff, framework, lang, "previous_value")[1]
    else:
        out[t("ui.imports.value", lang)] = diff["value"].map(lambda v: fmt.number(v, 2, lang))
        out[t("ui.imports.previous", lang)] = prev.map(lambda v: fmt.number(v, 2, lang) if pd.notna(v) else "—")
    out[t("ui.imports.previous_import", lang)] = diff["previous_import"].map(
        lambda v: str(int(v)) if pd.notna(v) else "—")
    out[t("ui.imports.change", lang)] = change
    return out


def import_rows_table(rows: pd.DataFrame, lang: str, framework=None) -> pd.DataFrame:
    """The rows an import wrote, with headers in words and values formatted (no identifiers); with the import's
    framework, each figure by its meaning and read by its kind."""
    vi = lang == "vi"
    headers = {
        "entity": t("ui.common.province_name", lang) + " / " + t("ui.common.unit", lang).lower(),
        "year": t("ui.common.year", lang), "indicator": t("ui.methodology.code", lang),
        "variable": t("ui.methodology.variables", lang), "value": t("ui.imports.value", lang),
        "not_applicable": "Không áp dụng" if vi else "Not applicable", "basis": t("ui.controls.basis", lang),
        "sheet": "Trang tính" if vi else "Sheet", "source_row": "Dòng" if vi else "Row",
        "source_column": "Cột" if vi else "Column", "target_id": t("ui.methodology.code", lang),
        "name": t("ui.data.unit_name", lang), "level": t("ui.data.unit_level", lang),
        "parent": "Trực thuộc" if vi else "Parent", "code": t("ui.methodology.code", lang),
        "valid_from": t("ui.data.unit_from", lang), "valid_to": t("ui.data.unit_to", lang),
        "aliases": t("ui.data.unit_aliases", lang)}
    out = pd.DataFrame(index=rows.index)
    for col, head in headers.items():
        if col not in rows or head in out:
            continue
        s = rows[col]
        if col == "value":
            out[head] = s.map(lambda v: fmt.number(v, 2, lang))
        elif col == "not_applicable":
            out[head] = s.map(lambda v: ("Có" if vi else "Yes") if v is True or v == 1 else "")
        elif col == "basis":
            out[head] = s.map(lambda v: t(f"ui.basis.{v}", lang) if _text(v) else "")
        elif col == "level":
            out[head] = s.map(lambda v: t(f"ui.levels.{v}", lang) if _text(v) else "")
        elif col in ("valid_from", "valid_to"):
            out[head] = s.map(fmt.date)
        elif col == "year":
            out[head] = s.map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif col == "source_row":
            out[head] = s.map(lambda v: "" if pd.isna(v) else fmt.count(v, lang))
        elif col == "variable":
            out[head] = variable_words(s, lang)
        elif col == "indicator":
            out[head] = s.map(lambda v: display_code(v) if _text(v) else "")
        else:
            out[head] = s.map(_text)
    if framework is not None and {"indicator", "variable", "value"} <= set(rows.columns):
        words, values = figures_in_words(rows, framework, lang)
        out[headers["variable"]], out[headers["value"]] = words, values
    return out.reset_index(drop=True)


# --- Data page tables: Vietnamese headers and words, no identifiers ------------------------------------

def _flag_word(flag, lang: str) -> str:
    return t(f"ui.data.flag_{flag}", lang) if isinstance(flag, str) and flag else "—"


def preview_frame(parsed: pd.DataFrame, ctx) -> pd.DataFrame:
    """An import's rows as the user reads them: unit, year, indicator, variable, value (Vietnamese format)."""
    lang = ctx.lang
    out = pd.DataFrame({
        ctx.entity_word: parsed["entity"].astype(str).to_numpy(),
        t("ui.common.year", lang): parsed["year"].astype(int).astype(str).to_numpy(),
        t("ui.methodology.code", lang): parsed["indicator"].astype(str).map(display_code).to_numpy(),
        t("ui.methodology.var_name", lang): variable_words(parsed["variable"], lang).to_numpy(),
        t("ui.data.value", lang): [t("ui.data.not_applicable", lang) if na else fmt.number(v, 4 if abs(v) < 1 else 2, lang)
                                   .rstrip("0").rstrip(",.") if v == v else "—"
                                   for v, na in zip(pd.to_numeric(parsed["value"], errors="coerce"),
                                                    parsed.get("not_applicable", pd.Series(False, index=parsed.index)))],
    })
    return out.head(200)


def flags_frame(flags: pd.DataFrame, ctx) -> pd.DataFrame:
    """year, flag, n → Năm | Loại số liệu | Số giá trị (words, Vietnamese numbers)."""
    lang = ctx.lang
    return pd.DataFrame({
        t("ui.common.year", lang): flags["year"].astype(int).astype(str).to_numpy(),
        t("ui.data.flag", lang): [_flag_word(f, lang) for f in flags["flag"]],
        t("ui.data.n_values", lang): [fmt.number(n, 0, lang) for n in flags["n"]],
    })


def import_log_frame(log: pd.DataFrame, ctx) -> pd.DataFrame:
    """The import history in words: number, time, file, values, kind, what, who (no checksums or ids)."""
    lang = ctx.lang

    def what(form, group, fid) -> str:
        if form == "remove_sample":
            return t("ui.data.log_remove_sample", lang)
        if form == "units":
            return t("ui.data.log_units", lang)
        if form == "targets":
            return t("ui.data.log_targets", lang)
        return t("ui.data.log_inputs", lang)

    return pd.DataFrame({
        t("ui.data.log_no", lang): [str(int(i)) for i in log["import_id"]],
        t("ui.data.log_time", lang): [fmt.vn_datetime(ts) or "—" for ts in log["imported_at"]],
        t("ui.data.log_file", lang): [f if isinstance(f, str) and f and f != "—" else "—" for f in log["file_name"]],
        t("ui.data.log_what", lang): [what(f, g, i) for f, g, i in
                                      zip(log["form"], log["entity_group"], log["framework_id"])],
        t("ui.data.flag", lang): [_flag_word(f, lang) for f in log["flag"]],
        t("ui.data.n_values", lang): [fmt.number(n, 0, lang) for n in log["n_rows"]],
        t("ui.data.log_who", lang): [w if isinstance(w, str) and w else "—" for w in log["imported_by"]],
    })


def published_frame(published: pd.DataFrame, ctx) -> pd.DataFrame:
    """Published results with Vietnamese headers: year, group, province, values (0–1) and ranks, kinds, source."""
    lang = ctx.lang

    def num(col):
        return [fmt.number(v, 4, lang) if pd.notna(v) else "—" for v in published[col]]

    def rank(col):
        return ["—" if pd.isna(v) else str(int(v)) for v in published[col]]

    return pd.DataFrame({
        t("ui.common.year", lang): published["year"].astype(int).astype(str).to_numpy(),
        t("ui.controls.group", lang): [t(f"ui.data.group_{g}", lang) for g in published["entity_group"].astype(str)],
        t("ui.common.province_name", lang): published["published_name"].astype(str).to_numpy(),
        t("ui.data.pub_total", lang): num("total_value"),
        t("ui.common.rank", lang): rank("total_rank"),
        t("ui.rankings.n_ranked", lang, **PROVINCE(lang)): rank("n_ranked"),
        t("ui.data.pub_gov", lang): num("gov_value"),
        t("ui.data.pub_econ", lang): num("econ_value"),
        t("ui.data.pub_soc", lang): num("soc_value"),
        t("ui.history.value_kind", lang): [kind_words(k, lang) or "—" for k in published["value_kind"]],
        t("ui.history.rank_kind", lang): [kind_words(k, lang) or "—" for k in published["rank_kind"]],
        t("ui.rankings.source", lang): published["source_url"].to_numpy(),
    })


def plan_frame(plan: pd.DataFrame, ctx) -> pd.DataFrame:
    """Gia Lai's plan table (seed 001) as printed: code, name, 2024 points, maxima, target (the team's
    readings of unreadable cells stay on the methodology page, in the 'văn bản gốc' expander)."""
    lang = ctx.lang

    def num(col):
        return [fmt.number(v, 2, lang).rstrip("0").rstrip(",.") if pd.notna(v) else "—" for v in plan[col]]

    return pd.DataFrame({
        t("ui.methodology.code", lang): ["" if c == "total" else display_code(c) for c in plan["code"].astype(str)],
        t("ui.methodology.indicator", lang): [ctx.node_name(c) if c in ctx.framework.nodes else c
                                              for c in plan["code"].astype(str)],
        t("ui.data.plan_2024", lang): num("points_2024"),
        "QĐ 405": num("max_qd405"),
        t("ui.methodology.max_plan_table", lang): num("max_draft"),
        t("ui.methodology.target", lang): num("target_points"),
    })


def raw_value(framework, code: str, var: str, value, lang: str = "vi", *, na: bool = False,
              trim: bool = False) -> str:
    """A raw figure as a person reads it, by the variable's kind: counts whole (604.800; a projection of
    people rounded to whole people), yes/no items in words, amounts with two decimals (`trim`: ",00" dropped)."""
    from loaders.parsing import KIND_COUNT, KIND_ITEM, variable_kind

    if na:
        return "N/A"
    if value is None or value != value:
        return "—"
    leaf = framework.nodes[code]
    kind = variable_kind(leaf, next(v for v in leaf.variables if v.name == var))
    if kind == KIND_COUNT:
        return fmt.count(value, lang)
    if kind == KIND_ITEM:
        return t("ui.collection.yes", lang) if float(value) >= 0.5 else t("ui.collection.no", lang)
    text = fmt.number(value, 2, lang)
    return text.removesuffix(",00").removesuffix(".00") if trim else text
