"""A rule in words and in mathematics (LaTeX), from the framework data — nothing hand-written per indicator."""
from __future__ import annotations

from scoring.rules import RULES

from dashboard import fmt


def _sum(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else "(" + " + ".join(names) + ")"


def _param_text(raw, lang: str, as_percent: bool = True) -> str:
    if isinstance(raw, dict) and "by_year" in raw:
        parts = []
        for b in raw["by_year"]:
            v = fmt.percent(b["value"], 0, lang) if as_percent else fmt.number(b["value"], 2, lang)
            parts.append(f"{b['from']}–{b['to']}: {v}")
        return "; ".join(parts)
    return fmt.percent(raw, 0, lang) if as_percent else fmt.number(raw, 2, lang)


LATEX_WORDS_VI = {r"\text{ratio}": r"\text{tỷ lệ}", r"\text{points}": r"\text{điểm}",
                  r"\text{otherwise}": r"\text{ngược lại}", r"\text{item}": r"\text{mục}"}


def latex(rule: dict, max_points: float, lang: str = "en") -> str:
    """The rule as a formula; in Vietnamese with Vietnamese words and decimal commas (0{,}5)."""
    text = _latex(rule, max_points)
    if lang == "vi":
        import re

        if rule["type"] == "direct":  # "min(max(points, 0), m)" reads as developer text
            return r"\text{điểm} = \text{điểm chấm, trong khoảng từ 0 đến } " + re.sub(
                r"(?<=\d)\.(?=\d)", "{,}", f"{max_points:g}")
        text = re.sub(r"\\text\{item(\d+)\}", r"\\text{mục \1}", text)  # listed parts: mục 1, mục 2 …
        text = text.replace(r"\,\text{mục ", r" \times \text{mục ")  # "0,5 × mục 1", not "0,5 mục 1"
        for en, vi in LATEX_WORDS_VI.items():
            text = text.replace(en, vi)
        text = re.sub(r"(?<=\d)\.(?=\d)", "{,}", text)
    return text


def _latex(rule: dict, max_points: float) -> str:
    kind = rule["type"]
    m = f"{max_points:g}"
    if kind in ("linear", "threshold", "all_or_nothing", "inverse"):
        ratio = r"\text{ratio} = \frac{" + _sum(rule["numerator"]) + "}{" + _sum(rule["denominator"]) + "}"
        if kind == "linear":
            return ratio + r",\quad \text{points} = \min(\text{ratio}, 1) \times " + m
        if kind == "threshold":
            return ratio + r",\quad \text{points} = " + m + r" \times \min\left(\frac{\text{ratio}}{t}, 1\right)"
        if kind == "all_or_nothing":
            return ratio + r",\quad \text{points} = \begin{cases} " + m + r" & \text{ratio} \ge t \\ 0 & \text{otherwise}\end{cases}"
        return ratio + r",\quad \text{points} = " + m + r" \times \left(1 - \min\left(\frac{\text{ratio}}{t}, 1\right)\right)"
    if kind == "gated_linear":
        ratio = r"\text{ratio} = \frac{" + _sum(rule["numerator"]) + "}{" + _sum(rule["denominator"]) + "}"
        low = rule["minimum"]
        low = f"{low:g}" if isinstance(low, (int, float)) else r"\text{min}"
        return ratio + r",\quad \text{points} = \begin{cases} \min(\text{ratio}, 1) \times " + m + r" & " \
            + rule["gate"] + r" \ge " + low + r" \\ 0 & \text{otherwise}\end{cases}"
    if kind == "weighted_items":
        terms = " + ".join(f"{i['weight']:g}\\,\\text{{{i['var']}}}" for i in rule["items"])
        return r"\text{points} = " + m + r" \times (" + terms + r"),\quad \text{item} \in \{0, 1\}"
    if kind == "sum_of_ratios":
        terms = " + ".join(f"{t.get('weight', 1):g}" + r"\frac{" + _sum(t["numerator"]) + "}{" + _sum(t["denominator"]) + "}"
                           for t in rule["terms"])
        return r"\text{points} = " + m + r" \times \min(" + terms + ", 1)"
    if kind == "tiered":
        den = _sum(rule["denominator"])
        terms = " + ".join(f"{lv['weight']:g}" + r"\frac{" + lv["var"] + "}{" + den + "}" for lv in rule["levels"])
        return r"\text{points} = " + m + r" \times \min(" + terms + ", 1)"
    if kind == "count_capped":
        return r"\text{points} = \min(" + rule["variable"] + r" \times " + f"{rule['points_per_event']}" + ", " + m + ")"
    if kind == "capped_sum":
        parts = []
        for t in rule["terms"]:
            x = t["variable"] if "variable" in t else r"\frac{" + _sum(t["numerator"]) + "}{" + _sum(t["denominator"]) + "}"
            if "threshold" in t:
                x = r"[" + x + r" \ge " + f"{t['threshold']:g}" + "]"
            term = f"{t['points']:.4g}" + r" \times " + x
            parts.append(r"\min(" + term + ", " + f"{t['cap']:.4g}" + ")" if "cap" in t else term)
        return r"\text{points} = \min(" + " + ".join(parts) + ", " + m + ")"
    return r"\text{points} = \min(\max(" + rule.get("variable", "x") + ", 0), " + m + ")"


def words(rule: dict, lang: str) -> str:
    spec = RULES[rule["type"]]
    text = spec.formula_en if lang == "en" else spec.formula_vi
    if "threshold" in rule:
        as_pct = rule.get("part_of_whole", True)
        label = "threshold t" if lang == "en" else "ngưỡng t"
        text += f" ({label} = {_param_text(rule['threshold'], lang, as_pct)})"
    if rule.get("part_of_whole") is False:
        text += " — " + ("ratio is not a share and may exceed 1" if lang == "en"
                         else "tỷ lệ không phải phần trăm, có thể lớn hơn 1")
    return text
