"""The steering-committee briefing: one builder for the Overview download and the command line; slides the
same through both paths; PPTX and PDF made without Chromium or LibreOffice, in bounded time; honest titles,
provenance words, no placeholders; the province's own data gets useful slides too."""
import io
import os
import re
import subprocess
import sys
import time

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Inches

import storage.inputs
from office.bootstrap import ensure_default_data, sample_file
from reports import briefing, cli
from reports.briefing.slides import file_name
from storage.db import Store
from tests.conftest import ROOT

FW_ID = "dti_province_2025"
ARGS = dict(lang="vi", dataset=None, target_ranks=(20, 15))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("brief") / "sample.duckdb"
    store = Store(str(path))
    ensure_default_data(store)
    store.close() if hasattr(store, "close") else None
    return str(path)


@pytest.fixture(scope="module")
def own_db(tmp_path_factory):
    """A store holding the province's own 2025 file (Gia Lai only, figures a little off the sample's)."""
    path = tmp_path_factory.mktemp("brief_own") / "own.duckdb"
    store = Store(str(path))
    ensure_default_data(store)
    rows = pd.read_csv(sample_file())
    rows = rows.loc[(rows["entity"] == "Gia Lai") & (rows["year"] == 2025),
                    ["entity", "year", "indicator", "variable", "value"]].copy()
    big = pd.to_numeric(rows["value"], errors="coerce") > 100  # counts a little off the sample's
    rows.loc[big, "value"] = (pd.to_numeric(rows.loc[big, "value"]) * 1.03).round(0)
    storage.inputs.record_import(store, rows.reset_index(drop=True), file_name="gia_lai_2025.xlsx", sha256="f" * 64,
                                 framework_id=FW_ID, flag="self_assessed", imported_by="Kiểm thử")
    store.close() if hasattr(store, "close") else None
    return str(path)


def deck_of(db, **kw):
    store = Store(db)
    try:
        return briefing.build_deck(store, FW_ID, "Gia Lai", 2025, **{**ARGS, **kw})
    finally:
        store.close() if hasattr(store, "close") else None


@pytest.fixture(scope="module")
def sample_deck(sample_db):
    return deck_of(sample_db, dataset="sample")


@pytest.fixture(scope="module")
def own_deck(own_db):
    return deck_of(own_db, dataset="own")


def all_text(deck):
    out = []
    for s in deck.slides:
        out += [s.title, s.foot] + [x[0] for x in s.lines + s.lines2] + [c for card in s.cards for c in card]
        if s.table is not None:
            out += s.table.columns + [c for row in s.table.rows for c in row]
        if s.chart is not None:
            out += list(_strings({k: v for k, v in s.chart.items() if k != "geojson"}))
    return "\n".join(out)


def _strings(value):
    """Every text leaf of a chart's data (its labels, names and titles)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def pptx_text(raw):
    prs = Presentation(io.BytesIO(raw))
    out = []
    for slide in prs.slides:
        texts = []
        for sh in slide.shapes:
            if sh.has_text_frame:
                texts.append(sh.text_frame.text)
            if sh.has_table:
                texts += [c.text for r in sh.table.rows for c in r.cells]
        out.append(texts)
    return prs, out


def test_page_and_cli_build_the_same_slides(sample_db, monkeypatch):
    """The Overview page's call (build_deck with the page's arguments) and `python -m reports briefing`
    (cli.main) give the same titles, numbers, tables and chart data."""
    page = deck_of(sample_db)
    src = (ROOT / "pages" / "overview.py").read_text(encoding="utf-8")
    assert "briefing.build_deck(data.store(), sel.framework_id, sel.focus, year, lang=lang, dataset=sel.dataset" in src
    assert "presentation" not in src.split("def briefing_bytes")[1].split("file_name")[0]
    seen = {}
    real = briefing.render

    def capture(deck, fmt="pptx", pdf_engine="matplotlib"):
        seen["deck"] = deck
        return real(deck, fmt, pdf_engine)

    monkeypatch.setattr(briefing, "render", capture)
    out = os.path.join(os.path.dirname(sample_db), "cli.pptx")
    assert cli.main(["briefing", "--framework", FW_ID, "--entity", "Gia Lai", "--year", "2025", "--out", out,
                     "--db", sample_db]) == 0
    other = seen["deck"]
    assert [s.title for s in page.slides] == [s.title for s in other.slides]
    for a, b in zip(page.slides, other.slides):
        assert a.lines == b.lines and a.cards == b.cards and a.foot == b.foot
        assert (a.table is None) == (b.table is None)
        if a.table is not None:
            assert a.table.rows == b.table.rows and a.table.columns == b.table.columns
        assert (a.chart is None) == (b.chart is None)
        if a.chart is not None:
            assert {k: v for k, v in a.chart.items() if k != "geojson"} == \
                   {k: v for k, v in b.chart.items() if k != "geojson"}
    # and the written PowerPoint carries those titles
    _, texts = pptx_text(open(out, "rb").read())
    assert [t[1] if i else t[1] for i, t in enumerate(texts)] == [s.title for s in page.slides]


def test_sample_deck_titles_and_content(sample_deck):
    titles = [s.title for s in sample_deck.slides]
    for want in ("Chỉ số chuyển đổi số (DTI) Gia Lai — năm 2025", "Gia Lai: hạng 27/34, 673,64 điểm",
                 "Gia Lai đứng thứ 27/34: cần thêm 35,79 điểm để vào nhóm 20", "Bản đồ điểm DTI năm 2025",
                 "Mạnh nhất: ", "Gia Lai năm 2025: hạng 27/34, giá trị 0,6736 — DỮ LIỆU MẪU",
                 "Vào nhóm 20 năm 2025: ", "Vào nhóm 15 năm 2026: ", "Việc của từng cơ quan chủ trì",
                 "Nguồn số liệu và phương pháp"):
        assert any(x.startswith(want) for x in titles), (want, titles)
    text = all_text(sample_deck)
    # honest titles: never 2024 (old method, published) → 2025 (new method or SAMPLE)
    assert "→ 27/34" not in text and "năm 2024 →" not in text
    assert "{" not in text and "}" not in text and "<br>" not in text
    assert "+0 bậc" not in text and "QĐ " not in text
    ranking = next(s.chart for s in sample_deck.slides if s.chart and s.chart["kind"] == "ranking")
    assert len(ranking["names"]) == 34 and "Gia Lai" in ranking["names"]
    assert [c["n"] for c in ranking["cutoffs"]] == [15, 20]
    mp = next(s.chart for s in sample_deck.slides if s.chart and s.chart["kind"] == "map")
    assert mp["islands"] == {"Hoàng Sa": "Quần đảo Hoàng Sa (Đà Nẵng)", "Trường Sa": "Quần đảo Trường Sa (Khánh Hòa)"}


def test_trend_separates_published_and_derived(sample_deck):
    trend = next(s for s in sample_deck.slides if s.chart and s.chart["kind"] == "trend").chart
    derived = {p["year"] for p in trend["points"] if p["derived"]}
    assert {2022, 2023} <= derived  # the 34-group values before 2024 are means of the old provinces
    assert trend["derived_name"].startswith("Suy ra") and trend["published_name"].startswith("Đã công bố")
    for p in trend["points"]:
        if p["year"] in (2022, 2023) and "hạng" in p["label"]:
            assert "Suy ra" in p["label"]
    assert "DỮ LIỆU MẪU" in trend["now"]["name"]


def test_own_data_deck_has_no_empty_slides(own_deck):
    titles = [s.title for s in own_deck.slides]
    assert "DỮ LIỆU MẪU" not in all_text(own_deck)
    for s in own_deck.slides[1:]:
        assert s.lines or s.table is not None or s.chart is not None or s.cards, s.title
        if s.table is not None:
            assert len(s.table.rows) >= 3, s.title
    assert any("chưa xếp hạng được" in x for x in titles), titles  # 1/34 provinces: no ranking claims
    assert not any(x.startswith("Vào nhóm") for x in titles)
    assert "Số liệu tự nhập" in all_text(own_deck)
    pdf = briefing.render(own_deck, "pdf")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == len(own_deck.slides)
    _, texts = pptx_text(briefing.render(own_deck, "pptx"))
    assert [t[1] for t in texts] == titles
    assert not any("1/1" in x for t in texts for x in t)  # one province scored: no "rank 1/1"


def _bare_env(tmp_path):
    """PATH without chromium, soffice or libreoffice (only a python)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(bin_dir), "HOME": str(tmp_path)}


@pytest.mark.parametrize("fmt", ["pptx", "pdf"])
def test_bare_machine_makes_both_documents_in_bounded_time(tmp_path, sample_db, fmt):
    out = tmp_path / f"b.{fmt}"
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "reports", "briefing", "--framework", FW_ID, "--entity", "Gia Lai",
                          "--year", "2025", "--format", fmt, "--out", str(out), "--db", sample_db], cwd=ROOT,
                         env=_bare_env(tmp_path), capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    assert time.perf_counter() - start < 180
    raw = out.read_bytes()
    if fmt == "pdf":
        assert raw[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page[^s]", raw)) >= 10
    else:
        prs, texts = pptx_text(raw)
        assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
        flat = "\n".join(x for t in texts for x in t)
        assert "{" not in flat and "}" not in flat and "QĐ " not in flat and "+0 bậc" not in flat
        pics = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
        assert len(pics) >= 5


def test_libreoffice_engine_missing_names_the_right_option(tmp_path, sample_db):
    res = subprocess.run([sys.executable, "-m", "reports", "briefing", "--framework", FW_ID, "--entity", "Gia Lai",
                          "--year", "2025", "--format", "pdf", "--pdf-engine", "libreoffice", "--out",
                          str(tmp_path / "x.pdf"), "--db", sample_db], cwd=ROOT, env=_bare_env(tmp_path),
                         capture_output=True, text=True, timeout=180)
    assert res.returncode == 3 and "--format pptx" in res.stderr and "PowerPoint" not in res.stderr


@pytest.mark.skipif(briefing.soffice_path() is None, reason="LibreOffice not installed (an option, not needed)")
def test_libreoffice_engine_gives_the_same_pages(sample_deck):
    # The option converts the PowerPoint; it must give the same slides as the PDF drawn without it.
    raw = briefing.render(sample_deck, "pdf", pdf_engine="libreoffice")
    assert raw[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page[^s]", raw)) == len(sample_deck.slides)


def test_pdf_pages_match_slides(sample_deck):
    raw = briefing.render(sample_deck, "pdf")
    assert len(re.findall(rb"/Type\s*/Page[^s]", raw)) == len(sample_deck.slides)


def test_english_deck(sample_db):
    deck = deck_of(sample_db, lang="en", dataset="sample")
    text = all_text(deck)
    assert "673.64" in text and "Into the top 20 in 2025" in text and "{" not in text


def test_file_name_has_no_spaces():
    assert file_name("Gia Lai", 2025, "pptx") == "DTI_Gia_Lai_2025.pptx"
    assert file_name("Đắk Lắk", 2025, "pdf") == "DTI_Dak_Lak_2025.pdf"


def test_no_browser_library_anywhere():
    req = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "kaleido" not in req and "matplotlib==3.11.2" in req
    for folder in ("reports", "dashboard", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "import kaleido" not in path.read_text(encoding="utf-8"), path


def test_cli_bad_entity(tmp_path, sample_db):
    bad = subprocess.run([sys.executable, "-m", "reports", "briefing", "--framework", FW_ID, "--entity", "Atlantis",
                          "--year", "2025", "--out", str(tmp_path / "x.pptx"), "--db", sample_db], cwd=ROOT,
                         capture_output=True, text=True, timeout=180)
    assert bad.returncode == 2 and "Atlantis" in bad.stderr


def test_a_province_already_inside_gets_a_keep_page(sample_db):
    """Khánh Hòa (14/34 on the sample) is inside the top 20: the slide says the margin in points and places,
    what keeps it there and which provinces close behind could pass it."""
    deck = deck_of(sample_db, dataset="sample", target_ranks=(20, 15))
    names = next(s.chart for s in deck.slides if s.chart and s.chart["kind"] == "ranking")["names"]
    entity = names[13]
    store = Store(sample_db)
    try:
        deck = briefing.build_deck(store, FW_ID, entity, 2025, lang="vi", dataset="sample")
    finally:
        store.close() if hasattr(store, "close") else None
    keep = next(s for s in deck.slides if s.title.startswith("Nhóm 20 năm 2025: đã đạt"))
    text = " ".join(x[0] for x in keep.lines)
    assert "Hơn tỉnh đứng thứ 21" in text and "6 bậc" in text and "Giữ vững các thế mạnh" in text
    assert keep.table is not None and keep.table.rows  # the close provinces, with how far behind
    assert any(s.title.startswith("Vào nhóm 15 năm 2026") or s.title.startswith("Nhóm 15 năm 2026") for s in deck.slides)


def test_cli_never_hangs(monkeypatch, tmp_path, capsys):
    """Past its time bound the command stops with a Vietnamese message naming --format pptx (exit 3)."""
    def slow(*args, **kwargs):
        time.sleep(5)

    monkeypatch.setattr(cli, "TIME_LIMIT", 1)
    monkeypatch.setattr(briefing, "build_deck", slow)
    start = time.perf_counter()
    code = cli.main(["briefing", "--framework", FW_ID, "--entity", "Gia Lai", "--year", "2025", "--out",
                     str(tmp_path / "x.pptx"), "--db", str(tmp_path / "x.duckdb")])
    assert code == 3 and time.perf_counter() - start < 4.5
    err = capsys.readouterr().err
    assert "Quá 1 giây" in err and "--format pptx" in err
