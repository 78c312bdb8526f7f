"""The steering-committee briefing: a real .pptx with the engine's numbers and the SAMPLE label."""
import io

import pandas as pd
from pptx import Presentation

from dashboard import briefing, fmt
from dashboard.i18n import name_of, t
from loaders.bootstrap import sample_file
from scoring import load_framework, score
from tests.conftest import ROOT

FW = load_framework("dti_province_2025")
INPUTS = pd.read_csv(sample_file())
RESULT = score(FW, INPUTS)
PLAN = pd.read_csv(ROOT / "data/reference/gia_lai_seed001_summary.csv", dtype={"code": str}).assign(entity="Gia Lai")


def deck(lang="vi", origin=("sample",)):
    inp = briefing.prepare(RESULT, "Gia Lai", 2025, INPUTS, PLAN, list(origin), lang, name_of,
                           lambda k, **kw: t(k, lang, **kw))
    raw = briefing.build_briefing(inp, lambda k, **kw: t(k, lang, **kw), lambda v, d: fmt.number(v, d, lang))
    return inp, Presentation(io.BytesIO(raw))


def all_text(prs):
    out = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.append(shape.text_frame.text)
            if shape.has_table:
                out += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(out)


def test_briefing_holds_the_engine_numbers_and_the_plan():
    inp, prs = deck()
    assert len(prs.slides) == 7
    text = all_text(prs)
    assert "673,64/1.000" in text and "27/34" in text
    assert "DỮ LIỆU MẪU" in text
    assert inp.plan is not None and inp.plan.reachable and inp.plan.rank_after <= 20
    for code in inp.plan.actions["indicator"]:
        assert code in text
    chart = next(sh.chart for sh in prs.slides[2].shapes if sh.has_chart)
    assert [round(v, 2) for v in chart.plots[0].series[0].values] == [round(v, 2) for v in inp.overview.main["points"]]
    assert "Công an tỉnh" in text


def test_english_briefing_without_sample_label():
    _, prs = deck("en", origin=("self_assessed",))
    text = all_text(prs)
    assert "673.64/1,000" in text and "SAMPLE" not in text


def test_briefing_states_the_published_2024_baseline_with_its_kinds():
    from dashboard import analysis
    from loaders.bootstrap import entity_frames, published_frame

    entities = entity_frames()
    baseline = analysis.baseline_2024(published_frame(entities), entities.loc[entities["entity_group"] == "63"])
    inp = briefing.prepare(RESULT, "Gia Lai", 2025, INPUTS, PLAN, ["sample"], "vi", name_of,
                           lambda k, **kw: t(k, "vi", **kw), baseline=baseline)
    raw = briefing.build_briefing(inp, lambda k, **kw: t(k, "vi", **kw), lambda v, d: fmt.number(v, d, "vi"))
    text = all_text(Presentation(io.BytesIO(raw)))
    assert ("hạng 31/34 — Báo chí; giá trị 0,6129 — Suy ra (trung bình các tỉnh hợp thành) — "
            "từ số liệu: Tổng hợp của bên thứ ba (không chính thức)") in text
    assert deck()[0].published == []  # without a baseline nothing is claimed
