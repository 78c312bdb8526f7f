"""What the appraisal-round pages show (issue 12): the round's framework, the points a form gives right now,
tables with Vietnamese headers and words. No Streamlit, no SQL: the pages stay thin and these are tested
without a server. The data come from office/appraisal.py (the service layer), the points from the engine."""
from __future__ import annotations

import math

import pandas as pd

from dashboard import fmt
from dashboard.i18n import display_code, t

STATUSES = ("not_started", "draft", "submitted", "withdrawn", "locked")


def is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def flag(value) -> bool:
    """A stored yes/no (numpy or pandas booleans, None) as a Python bool: missing is False."""
    return False if is_missing(value) else bool(value)


def text(value) -> str:
    """User text or a stored label for a table cell: '—' when missing."""
    return "—" if is_missing(value) or str(value) == "" else str(value)


def number_text(value, lang: str = "vi") -> str:
    """A raw value as typed back into a box: 12 → "12", 0.5 → "0,5", 1234.25 → "1.234,25"."""
    if is_missing(value):
        return ""
    v = float(value)
    if v == int(v):
        return fmt.number(v, 0, lang)
    out = fmt.number(v, 4, lang)
    sep = "," if lang == "vi" else "."
    return out.rstrip("0").rstrip(sep)


def points_text(value, lang: str = "vi") -> str:
    return "—" if is_missing(value) else fmt.number(float(value), 2, lang)


def stamp(value) -> str:
    """A timestamp as dd/mm/yyyy hh:mm (stored naive UTC; shown in Vietnam time, UTC+7)."""
    if is_missing(value):
        return "—"
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    ts = ts.tz_convert("Asia/Ho_Chi_Minh")
    return f"{ts.day:02d}/{ts.month:02d}/{ts.year} {ts.hour:02d}:{ts.minute:02d}"


def status_word(status, lang: str) -> str:
    return t(f"ui.round.status_{status}", lang) if status in STATUSES else text(status)


def round_status_word(status, lang: str) -> str:
    return t(f"ui.round.round_{status}", lang) if status in ("open", "past_deadline", "closed") else text(status)


def round_label(row, lang: str) -> str:
    """"Số 3 · Xã, phường · Huế · 2025 — Đợt 1 (hạn 15/12/2025, đang mở)"."""
    return t("ui.round.round_label", lang, id=int(row["round_id"]), level=t(f"ui.levels.{row['level']}", lang),
             province=row["province"], year=int(row["year"]), label=text(row.get("label")),
             deadline=stamp(row["deadline"]).split(" ")[0], status=round_status_word(row.get("status"), lang))


def yes_no(flag, lang: str) -> str:
    if is_missing(flag):
        return "—"
    return t("ui.round.yes", lang) if bool(flag) else t("ui.round.no", lang)


# -- points of a form ---------------------------------------------------------------------------------

def form_inputs(form: pd.DataFrame, unit: str, year: int, values: dict | None = None) -> pd.DataFrame:
    """The form as the engine's long inputs (entity, year, indicator, variable, value, not_applicable), with
    `values` {(code, variable): float | None | "na"} typed on screen but not saved yet laid over it."""
    rows = []
    for code, var, value, na in zip(form["code"], form["variable"], form["value"], form["not_applicable"]):
        if values and (code, var) in values:
            typed = values[(code, var)]
            na, value = typed == "na", (None if typed == "na" else typed)
        rows.append({"entity": unit, "year": int(year), "indicator": code, "variable": var,
                     "value": float("nan") if is_missing(value) else float(value),
                     "not_applicable": bool(na) if not is_missing(na) else False})
    return pd.DataFrame(rows, columns=["entity", "year", "indicator", "variable", "value", "not_applicable"])


def points_now(framework, form: pd.DataFrame, unit: str, year: int, values: dict | None = None) -> dict[str, float]:
    """code → the points the form gives right now (leaves and their parents, 'total'), by the scoring
    engine on the level's framework view; a criterion with a value missing has no points (NaN)."""
    from scoring import score

    inputs = form_inputs(form, unit, year, values)
    usable = inputs.loc[inputs["value"].notna() | inputs["not_applicable"]]
    if usable.empty:
        return {}
    result = score(framework, usable, strict=False)
    df = result.scores
    df = df.loc[(df["entity"] == unit) & (df["year"] == int(year))]
    return {c: float(p) for c, p in zip(df["code"], df["points"])}


def points_so_far(framework, points: dict[str, float]) -> float | None:
    """The sum of the points of the criteria entered so far (the engine's total stays empty until every
    criterion has its values); None when none is entered."""
    got = [points.get(leaf.code) for leaf in framework.leaves]
    got = [p for p in got if p is not None and not math.isnan(p)]
    return float(sum(got)) if got else None


def decision_words(part: pd.DataFrame, lang: str) -> tuple[bool, str]:
    """Whether the council's values of one criterion (the form's rows of it) differ from the unit's, and the
    differing variables in words: "meaning: 12 → 8" (N/A as words)."""
    def shown(value, na) -> str:
        return t("ui.selfform.na_short", lang) if flag(na) else (number_text(value, lang) or "—")

    out = []
    for _, r in part.iterrows():
        mine, theirs = shown(r.get("value"), r.get("not_applicable")), shown(r.get("decided_value"),
                                                                                r.get("decided_na"))
        if mine != theirs:
            out.append(f"{r.get('meaning_vi') or r['variable']}: {mine} → {theirs}")
    return bool(out), "; ".join(out)


def decided_values(form: pd.DataFrame) -> dict:
    """{(code, variable): the council's value or "na"} of the form's decided rows (to score them)."""
    out = {}
    for code, var, by, value, na in zip(form["code"], form["variable"], form["decided_by"], form["decided_value"],
                                        form["decided_na"]):
        if not is_missing(by):
            out[(code, var)] = "na" if flag(na) else (None if is_missing(value) else float(value))
    return out


def criteria(framework) -> list[tuple[str, str, list[str]]]:
    """(main code, main name, leaf codes) in framework order: the groups the form is shown by."""
    out = []
    leaves = [leaf.code for leaf in framework.leaves]
    for main in framework.main_indices():
        codes = [c for c in leaves if framework.ancestor_at_level(c, main.level) == main.code]
        if codes:
            out.append((main.code, main.name_vi, codes))
    return out


# -- tables -------------------------------------------------------------------------------------------

def unit_table(per_unit: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The per-unit progress with Vietnamese headers and words (one row per unit of the round)."""
    def col(name, default=None):
        return per_unit[name] if name in per_unit.columns else pd.Series([default] * len(per_unit), dtype=object)

    return pd.DataFrame({
        t("ui.round.col_unit", lang): [text(u) for u in col("unit")],
        t("ui.round.col_status", lang): [status_word(s, lang) for s in col("status")],
        t("ui.round.col_submitted_at", lang): [stamp(v) for v in col("submitted_at")],
        t("ui.round.col_late", lang): [yes_no(v, lang) for v in col("late")],
        t("ui.round.col_unit_deadline", lang): [stamp(v) for v in col("deadline")],
        t("ui.round.col_missing_evidence", lang): [int(v) if not is_missing(v) else 0
                                                   for v in col("missing_evidence", 0)],
        t("ui.round.col_decided", lang): [f"{int(d or 0)}/{int(n or 0)}" for d, n in
                                          zip(col("decided", 0), col("to_decide", col("n_criteria", 0)))],
    })


def member_table(per_member: pd.DataFrame, lang: str) -> pd.DataFrame:
    def col(name, default=None):
        return per_member[name] if name in per_member.columns else pd.Series([default] * len(per_member),
                                                                               dtype=object)

    return pd.DataFrame({
        t("ui.round.col_member", lang): [text(v) for v in col("display_name", None)]
        if "display_name" in per_member.columns else [text(v) for v in col("account")],
        t("ui.round.col_n_criteria", lang): [int(v or 0) for v in col("n_criteria", 0)],
        t("ui.round.col_decided_n", lang): [int(v or 0) for v in col("decided", 0)],
        t("ui.round.col_to_decide", lang): [int(v or 0) for v in col("to_decide", 0)],
        t("ui.round.col_stale", lang): [int(v or 0) for v in col("stale", 0)],
    })


SCORED_BY = ("unit", "council", "automatic")


def scored_by_word(by, lang: str) -> str:
    """Who scores a criterion in words: the unit itself, or — with no self points — the council or a source."""
    by = by if by in SCORED_BY else "unit"
    return t(f"ui.round.scored_by_{by}", lang)


def gap_rows_to_review(gap: pd.DataFrame) -> pd.DataFrame:
    """The gap rows worth a look first: a difference, or a criterion the unit does not score (the council's
    points, counted in the appraised total with nothing to compare)."""
    own = gap["scored_by"] != "unit" if "scored_by" in gap.columns else pd.Series(False, index=gap.index)
    return gap.loc[(gap["difference"].astype(float).fillna(0).abs() > 1e-9) | own]


def gap_table(gap: pd.DataFrame, lang: str, numeric: bool = False) -> pd.DataFrame:
    """unit × criterion × appraiser: who scores it, self points, appraised points, difference, reason.
    A criterion the council (or a source) scores has no self points and no difference: the "who scores" cell
    says so. `numeric` keeps the points as numbers (downloads: Excel cells stay numeric); else Vietnamese
    text (1.234,56)."""
    def pts(series):
        return series.astype(float) if numeric else [points_text(v, lang) for v in series]

    by = gap["scored_by"] if "scored_by" in gap.columns else pd.Series(["unit"] * len(gap), index=gap.index)
    return pd.DataFrame({
        t("ui.round.col_unit", lang): [text(v) for v in gap["unit"]],
        t("ui.round.col_code", lang): [display_code(text(v)) for v in gap["code"]],
        t("ui.round.col_criterion", lang): [text(v) for v in gap["name"]],
        t("ui.round.col_scored_by", lang): [scored_by_word(v, lang) for v in by],
        t("ui.round.col_appraiser", lang): [text(v) for v in gap["appraiser"]],
        t("ui.round.col_self_points", lang): pts(gap["self_points"]),
        t("ui.round.col_appraised_points", lang): pts(gap["appraised_points"]),
        t("ui.round.col_difference", lang): (gap["difference"].astype(float) if numeric else
                                             [("—" if is_missing(v) else fmt.number(float(v), 2, lang, signed=True))
                                              for v in gap["difference"]]),
        t("ui.round.col_reason", lang): [text(v) for v in gap["reason"]],
    })


EVENTS = ("open", "submit", "withdraw", "reopen", "close", "deadline")


def events_table(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The round's log: when (Vietnam time), what (in words), which unit, who, until, why."""
    def col(name):
        return events[name] if name in events.columns else pd.Series([None] * len(events), dtype=object)

    return pd.DataFrame({
        t("ui.round.col_when", lang): [stamp(v) for v in col("at")],
        t("ui.round.col_event", lang): [t(f"ui.round.event_{e}", lang) if e in EVENTS else text(e)
                                        for e in col("event")],
        t("ui.round.col_unit", lang): [text(v) for v in col("unit")],
        t("ui.round.col_actor", lang): [text(v) for v in col("actor")],
        t("ui.round.col_until", lang): [stamp(v) for v in col("until")],
        t("ui.round.col_late", lang): [yes_no(v, lang) if e == "submit" else "—"
                                       for v, e in zip(col("late"), col("event"))],
        t("ui.round.col_reason", lang): [text(v) for v in col("reason")],
    })


def assignment_changes(codes, shown_members, member_names: dict[str, str], current: dict) -> dict:
    """{code: account or None} for the rows of the assignment editor whose member changed: `shown_members`
    holds the labels of `member_names` (account → "Name (account)"); any other label (the "not assigned"
    word) means nobody."""
    by_label = {label: account for account, label in member_names.items()}
    wanted = {c: by_label.get(m) for c, m in zip(codes, shown_members)}
    return {c: a for c, a in wanted.items() if a != (current.get(c) or None)}


def passwords_table(issued: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The one-time list of issued accounts (Đơn vị/Thành viên, Tên đăng nhập, Mật khẩu)."""
    return pd.DataFrame({
        t("ui.round.col_holder", lang): [text(v) for v in issued["display_name"]],
        t("ui.round.col_login", lang): [text(v) for v in issued["account"]],
        t("ui.round.col_password", lang): [text(v) for v in issued["password"]],
    })


def accounts_table(accounts: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("ui.round.col_holder", lang): [text(v) for v in accounts["display_name"]],
        t("ui.round.col_role", lang): [t(f"ui.round.role_{r}", lang) for r in accounts["role"]],
        t("ui.round.col_login", lang): [text(v) for v in accounts["account"]],
        t("ui.round.col_email", lang): [text(v) for v in accounts.get("email", pd.Series([None] * len(accounts)))],
        t("ui.round.col_created", lang): [stamp(v) for v in accounts.get("created_at",
                                                                         pd.Series([None] * len(accounts)))],
        t("ui.round.col_disabled", lang): [stamp(v) if not is_missing(v) else "—"
                                           for v in accounts.get("disabled_at", pd.Series([None] * len(accounts)))],
    })


def evidence_uploader_css(lang: str, key: str) -> str:
    """The evidence uploader's drop-zone words in Vietnamese (Streamlit's are English and say "CSV, XLSX"
    for the app's other uploaders): scoped to the widget `key` (Streamlit's st-key-<key> class)."""
    if lang != "vi":
        return ""
    words = t("ui.selfform.dropzone", lang).replace('"', "'")
    return (f'<style>.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after '
            f'{{content: "{words}"; font-size: 0.875rem;}}</style>')


def form_changes(form: pd.DataFrame, typed: dict, explanations: dict[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """What the unit typed that differs from its stored form: values {(code, variable): number | None | "na"}
    and explanations {code: text}. Returns (rows indicator, variable, value, not_applicable; changed texts)."""
    out = []
    for (code, var), value in typed.items():
        row = form.loc[(form["code"] == code) & (form["variable"] == var)].iloc[0]
        was_na = False if is_missing(row["not_applicable"]) else bool(row["not_applicable"])
        now_na = value == "na"
        stored = None if is_missing(row["value"]) else float(row["value"])
        if now_na != was_na or (not now_na and value != stored):
            out.append({"indicator": code, "variable": var, "value": None if now_na or value is None else value,
                        "not_applicable": now_na})
    stored_text = {code: ("" if is_missing(part.iloc[0].get("explanation")) else part.iloc[0]["explanation"])
                   for code, part in form.groupby("code", sort=False)}
    changed = {c: text for c, text in explanations.items() if text != stored_text.get(c, "")}
    return pd.DataFrame(out, columns=["indicator", "variable", "value", "not_applicable"]), changed
