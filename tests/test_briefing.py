"""The steering-committee briefing: a 16:9 deck with one message per slide, charts, both plans as agency
actions, Vietnamese numbers, the SAMPLE banner on every slide, the CLI and the PDF."""
import io
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Inches

from dashboard import analysis, briefing, fmt
from dashboard.i18n import name_of, t
from office.bootstrap import entity_frames, published_frame, sample_file
from scoring import load_framework, score
from tests.conftest import ROOT

FW = load_framework("dti_province_2025")
INPUTS = pd.read_csv(sample_file())
RESULT = score(FW, INPUTS)
PLAN = pd.read_csv(ROOT / "data/reference/gia_lai_seed001_summary.csv", dtype={"code": str}).assign(entity="Gia Lai")
ENTITIES = entity_frames()
E63 = ENTITIES.loc[ENTITIES["entity_group"] == "63"]
PUBLISHED = published_frame(ENTITIES)


def make(lang="vi", origin=("sample",), baseline=True):
    tr = lambda k, **kw: t(k, lang, **kw)  # noqa: E731
    inp = briefing.prepare(RESULT, "Gia Lai", 2025, INPUTS, PLAN, list(origin), lang, name_of, tr,
                           baseline=analysis.baseline_2024(PUBLISHED, E63) if baseline else None,
                           history=analysis.published_history_34(PUBLISHED, E63))
    raw = briefing.build_briefing(inp, tr, lambda v, d: fmt.number(v, d, lang))
    return inp, raw, Presentation(io.BytesIO(raw))


@pytest.fixture(scope="module")
def vi_deck():
    return make("vi")


@pytest.fixture(scope="module")
def en_deck():
    return make("en", origin=("self_assessed",), baseline=False)


def slide_texts(slide, skip_code_columns=False):
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            rows = list(shape.table.rows)
            heads = [c.text for c in rows[0].cells]
            for row in rows:
                for head, cell in zip(heads, row.cells):
                    if skip_code_columns and head in ("Chỉ số", "Indicator", "Indicators"):
                        continue
                    out.append(cell.text)
    return out


def title_of(slide):
    """The slide's message: the first text box (the title bar's text)."""
    return next(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.strip())


def test_slides_and_their_titles(vi_deck):
    inp, _, prs = vi_deck
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    titles = [title_of(s) for s in prs.slides]
    expected = [
        "Chỉ số chuyển đổi số (DTI) Gia Lai — năm 2025",
        "Gia Lai: hạng 27/34, 673,64 điểm",
        "Gia Lai đứng thứ 27/34: cần thêm 35,79 điểm để vào nhóm 20",
        "Bản đồ điểm DTI năm 2025: vị trí của Gia Lai",
        "Mạnh nhất: ",
        "Gia Lai qua các năm: hạng 31/34 năm 2024 → 27/34 năm 2025",
        "Thiếu 35,79 điểm tới nhóm 20; thiếu 60,37 điểm tới nhóm 15",
        "Vào nhóm 20: ",
        "Vào nhóm 15: ",
        "Việc của từng cơ quan chủ trì trong hai phương án",
        "Nguồn số liệu và phương pháp",
    ]
    for want in expected:
        assert any(x.startswith(want) for x in titles), (want, titles)
    # the ranking, map, radar, trend and gap slides carry a chart image
    for want in expected[2:7]:
        slide = next(s for s in prs.slides if title_of(s).startswith(want))
        pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
        assert len(pictures) == 1 and pictures[0].width > Inches(3), want
        assert pictures[0].image.content_type == "image/png"


def test_sample_banner_on_every_slide(vi_deck, en_deck):
    _, _, prs = vi_deck
    for slide in prs.slides:
        assert any("DỮ LIỆU MẪU (SAMPLE)" in x for x in slide_texts(slide)), title_of(slide)
        assert any("nguồn số liệu: số liệu mẫu" in x for x in slide_texts(slide))
    _, _, en = en_deck
    text = "\n".join(x for s in en.slides for x in slide_texts(s))
    assert "SAMPLE" not in text and "the province's own data" in text


def test_vietnamese_numbers_and_words(vi_deck):
    _, _, prs = vi_deck
    texts = [x for s in prs.slides for x in slide_texts(s, skip_code_columns=True)]
    text = "\n".join(texts)
    assert "673,64" in text and "1.000" in text and "27/34" in text
    prose = re.sub(r"[Cc]hỉ số \d+(\.\d+)+", "", text)
    # a dot followed by anything but a group of exactly three digits is an English decimal
    dot_decimal = r"\d\.(?:\d{1,2}|\d{4,})(?!\d)"
    assert not re.search(dot_decimal, prose), re.findall(r".{20}" + dot_decimal + ".{5}", prose)[:5]
    assert not re.search(r"\d,\d{3}(?!\d)", prose), re.findall(r".{20}\d,\d{3}(?!\d).{5}", prose)[:5]
    for english in ("Top 20", "rank", "points", "None", "nan", "linear", "seed", "OCR", ".txt"):
        assert english not in text, english


def test_both_plans_as_agency_actions_within_growth_caps(vi_deck):
    inp, _, prs = vi_deck
    assert set(inp.plans) == {20, 15}
    for n, plan in inp.plans.items():
        assert plan.effort == "relative" and plan.verified
        a = plan.actions
        assert len(a) > 0
        assert (a["to_value"] <= a["from_value"] * (1 + a["growth_cap"]) + 1e-9).all()
        assert plan.rank_after <= n if plan.reachable else plan.rank_after == plan.best_reachable_rank
        for sentence in inp.plan_sentences[n]:
            assert ": tăng " in sentence or ": hoàn thành" in sentence
            assert " từ " in sentence and " lên " in sentence or "hoàn thành" in sentence
    # the plan slides list every action of the plan in a table, with its lead agency
    rows = [c for s in prs.slides if title_of(s).startswith("Vào nhóm")
            for sh in s.shapes if sh.has_table for c in list(sh.table.rows)[1:]]
    assert len(rows) == len(inp.plans[20].actions) + len(inp.plans[15].actions)
    agencies = {r.cells[1].text for r in rows}
    assert "Sở Khoa học và Công nghệ" in agencies and "Công an tỉnh" in agencies


def test_published_baseline_is_stated_with_its_kinds(vi_deck):
    inp, _, prs = vi_deck
    text = "\n".join(x for s in prs.slides for x in slide_texts(s))
    assert ("hạng 31/34 — Báo chí; giá trị 0,6129 — Suy ra (trung bình các tỉnh hợp thành) — "
            "từ số liệu: Tổng hợp của bên thứ ba (không chính thức)") in text
    assert make("vi", baseline=False)[0].published == []  # without a baseline nothing is claimed


def test_english_deck_numbers(en_deck):
    _, _, prs = en_deck
    text = "\n".join(x for s in prs.slides for x in slide_texts(s))
    assert "673.64" in text and "1,000" in text and "Into the top 20" in text


def test_pdf_without_libreoffice_says_so(monkeypatch, vi_deck):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(briefing.BriefingError, match="LibreOffice"):
        briefing.to_pdf(vi_deck[1], lambda k, **kw: t(k, "vi", **kw))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_pdf_has_one_page_per_slide(vi_deck):
    _, raw, prs = vi_deck
    pdf = briefing.to_pdf(raw, lambda k, **kw: t(k, "vi", **kw))
    assert pdf[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == len(prs.slides)


def test_cli_writes_a_pptx(tmp_path):
    out = tmp_path / "briefing.pptx"
    res = subprocess.run([sys.executable, "-m", "reports", "briefing", "--framework", "dti_province_2025",
                          "--entity", "Gia Lai", "--year", "2025", "--out", str(out), "--db",
                          str(tmp_path / "cli.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr
    assert "Đã ghi" in res.stderr
    prs = Presentation(str(out))
    assert len(prs.slides) >= 11 and title_of(prs.slides[1]) == "Gia Lai: hạng 27/34, 673,64 điểm"
    bad = subprocess.run([sys.executable, "-m", "reports", "briefing", "--framework", "dti_province_2025",
                          "--entity", "Atlantis", "--year", "2025", "--out", str(tmp_path / "x.pptx"), "--db",
                          str(tmp_path / "cli.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert bad.returncode == 2 and "Atlantis" in bad.stderr


def test_scoring_does_not_import_reports():
    for path in (ROOT / "scoring").glob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert "import reports" not in src and "from reports" not in src, path


def test_deck_without_chart_images_still_made(monkeypatch):
    def no_browser(*args, **kwargs):
        raise RuntimeError("no chromium")

    monkeypatch.setattr(briefing, "_kaleido_png", no_browser)
    _, _, prs = make("vi", baseline=False)
    text = "\n".join(x for s in prs.slides for x in slide_texts(s))
    assert "Không tạo được hình biểu đồ" in text and "673,64" in text
    assert not any(sh.shape_type == 13 for s in prs.slides for sh in s.shapes)
