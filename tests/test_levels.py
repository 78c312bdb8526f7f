"""One wording per level (dashboard/levels.py), filled into every catalog string by dashboard.i18n.t; the
Vietnamese chrome that AppTest cannot see (file uploader, date boxes, unknown addresses)."""
import re
import threading

import pytest

from dashboard import controls, levels
from dashboard.i18n import catalog, t


@pytest.fixture(autouse=True)
def no_level_left_behind():
    # set_current() here runs in the test driver's own thread; leave that thread without a level of its own,
    # as a Streamlit session thread finds it (later tests format widget options from this thread).
    yield
    vars(levels._state).pop("level", None)  # noqa: SLF001
    levels._last[0] = levels.DEFAULT  # noqa: SLF001


@pytest.mark.parametrize("level, lang, word, plural, column", [
    ("province", "vi", "tỉnh", "các tỉnh", "Tỉnh, thành phố"),
    ("department", "vi", "sở, ban, ngành", "các sở, ban, ngành", "Sở, ban, ngành"),
    ("district", "vi", "huyện", "các huyện", "Huyện, thị xã, thành phố"),
    ("commune", "vi", "xã, phường", "các xã, phường", "Xã, phường"),
    ("province", "en", "province", "provinces", "Province or city"),
    ("commune", "en", "commune", "communes", "Commune or ward"),
])
def test_words_of_each_level(level, lang, word, plural, column):
    assert levels.entity_word(level, lang) == word
    assert levels.entities_word(level, lang) == plural
    assert levels.column(level, lang) == column


# The strings the issue found on commune and district pages, as a commune page now reads them.
@pytest.mark.parametrize("key, params, commune, province", [
    ("ui.rankings.tie_rule", {}, "các xã, phường bằng điểm", "các tỉnh bằng điểm"),
    ("ui.trends.compare", {}, "Thêm xã, phường để so sánh", "Thêm tỉnh để so sánh"),
    ("ui.odds.competitors", {}, "Các xã, phường quyết định thứ hạng", "Các tỉnh quyết định thứ hạng"),
    ("ui.odds.focus_points", {}, "Điểm của xã, phường theo dõi", "Điểm của tỉnh theo dõi"),
    ("ui.plan.method_note", {}, "Các xã, phường khác giữ điểm", "Các tỉnh khác giữ điểm"),
    ("ui.badge.sample", {}, "Nhập số liệu của xã, phường", "Nhập số liệu của tỉnh"),
    ("ui.common.province", {}, "Xã, phường", "Tỉnh, thành phố"),
    ("ui.data.valid", {"n": "2.108", "entities": "20", "years": "2025"}, "2.108 giá trị của 20 xã, phường",
     "2.108 giá trị của 20 tỉnh"),
])
def test_catalog_strings_follow_the_level(key, params, commune, province):
    levels.set_current("commune")
    text = t(key, "vi", **params)
    assert commune in text and "tỉnh" not in text
    levels.set_current("province")
    assert province in t(key, "vi", **params)


def test_a_caller_may_name_the_level_itself():
    levels.set_current("commune")
    assert t("ui.rankings.n_ranked", "vi", **levels.words("province", "vi")) == "Số tỉnh xếp hạng"
    assert t("ui.common.province_name", "vi") == "Tỉnh, thành phố"  # a real province, whatever the level


def test_each_session_thread_keeps_its_own_level():
    seen = {}

    def run(level):
        levels.set_current(level)
        seen[level] = t("ui.trends.compare", "vi")

    threads = [threading.Thread(target=run, args=(lv,)) for lv in ("commune", "department")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert seen == {"commune": "Thêm xã, phường để so sánh", "department": "Thêm sở, ban, ngành để so sánh"}


def test_no_catalog_string_is_left_with_a_level_placeholder():
    for lang in ("vi", "en"):
        for level in levels.LEVELS:
            levels.set_current(level)
            for key in catalog(lang):
                if key.startswith("ui."):
                    text = t(key, lang)
                    assert not re.search(r"\{(%s)\}" % "|".join(levels.KEYS), text), (lang, level, key)


def test_no_sample_tag_or_tool_names_in_the_vietnamese_catalog():
    bad = re.compile(r"\(SAMPLE\)|scipy|milp|echarts|libreoffice-impress|\(UTC\)|kaleido")
    assert [k for k, v in catalog("vi").items() if isinstance(v, str) and bad.search(v)] == []


def test_uploader_and_date_chrome_in_vietnamese():
    css = controls.chrome_css("vi")
    assert "Chọn tệp" in css and "tối đa 64 MB" in css and "200 MB" not in css
    assert "Không nhận tệp này" in css  # replaces "Error: … files are not allowed."
    assert 'stFileChipName"] + div {display: none;}' in css  # Streamlit's "31.5MB" hidden
    assert '[data-type="day"]::after {content: "ngày"' in css and 'content: "năm"' in css  # not "dd/mm/yyyy"
    assert controls.chrome_css("en") == ""


class _Manager:
    def __init__(self, name, page_hash=""):
        self.intended_page_name, self.intended_page_script_hash = name, page_hash

    def set_script_intent(self, page_hash, name):
        self.intended_page_script_hash, self.intended_page_name = page_hash, name


@pytest.mark.parametrize("typed, page_hash, lands", [
    ("overview", "", ""), ("nonsense", "", ""), ("rankings", "", "rankings"), ("", "", ""),
    ("overview", "abc", "overview"),  # a click in the menu names its page by hash: left alone
])
def test_unknown_addresses_land_on_the_first_page(monkeypatch, typed, page_hash, lands):
    import streamlit.runtime.scriptrunner as sr

    manager = _Manager(typed, page_hash)
    monkeypatch.setattr(sr, "get_script_run_ctx", lambda: type("C", (), {"pages_manager": manager})())
    controls.land_unknown_paths_on_default(["rankings", "data"])
    assert manager.intended_page_name == lands


@pytest.mark.parametrize("key, params, lang, expect", [
    ("ui.data.valid", {"n": 2108, "entities": 34, "years": "2025"}, "vi", "2.108 giá trị của 34 tỉnh, năm 2025"),
    ("ui.data.valid", {"n": 2108, "entities": 34, "years": "2025"}, "en", "2,108 values"),
    ("ui.imports.rows_shown", {"shown": 2000, "n": 1000000}, "vi", "2.000 dòng đầu trong 1.000.000 dòng"),
    ("ui.overview.change_no_rank", {"year": 2025, "n": 5, "n_prev": 34}, "vi", "năm 2025 mới có"),
])
def test_counts_are_grouped_whoever_passes_them(key, params, lang, expect):
    assert expect in t(key, lang, **params)


def _empty_and_full_tables():
    import pandas as pd
    import streamlit as st

    from dashboard import tables

    st.session_state["lang"] = "vi"
    tables.show(pd.DataFrame({"Năm": []}), hide_index=True)
    tables.show(pd.DataFrame({"Năm": ["2025"]}), hide_index=True)


def test_an_empty_table_says_so_in_words():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_empty_and_full_tables).run()
    assert [c.value for c in at.caption] == ["Chưa có dữ liệu."]  # not Streamlit's own "empty"
    assert len(at.dataframe) == 1
