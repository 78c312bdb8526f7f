"""Published history 2020–2024 with provenance: kinds of every figure, derived 34-group values and ranks,
the 2024 baseline, the real-movement bootstrap, and the trends/odds pages (AppTest)."""
import storage.inputs
import json

import numpy as np
import pandas as pd
import pytest

from dashboard import analysis, charts, tables
from office.bootstrap import entity_frames, field_kinds, published_frame
from scoring import montecarlo
from tests.conftest import ROOT
from tests.helpers import app_session

RAW = pd.read_csv(ROOT / "data" / "reference" / "dti_public_results.csv", dtype={"group": str})
ENTITIES = entity_frames()
E63 = ENTITIES.loc[ENTITIES["entity_group"] == "63"].reset_index(drop=True)
PUBLISHED = published_frame(ENTITIES)
HISTORY = analysis.published_history(PUBLISHED, E63)
H34 = HISTORY.loc[HISTORY["entity_group"] == "34"]
H63 = HISTORY.loc[HISTORY["entity_group"] == "63"]
BASELINE = analysis.baseline_2024(PUBLISHED, E63)
SOURCE_KINDS = {"official", "press", "third_party"}


def is_source_kind(kind) -> bool:
    return isinstance(kind, str) and bool(kind) and set(kind.split("+")) <= SOURCE_KINDS


# --- the reference file as loaded ----------------------------------------------------------------------

def test_reference_file_is_the_shared_copy_with_provenance():
    shared = (ROOT.parent.parent / "shared" / "reference" / "dti_public_results.csv")
    if shared.exists():
        assert shared.read_bytes() == (ROOT / "data" / "reference" / "dti_public_results.csv").read_bytes()
    assert len(RAW) == len(PUBLISHED) == 237
    assert PUBLISHED["entity"].notna().all()
    assert PUBLISHED["source_kind"].map(is_source_kind).all()
    assert PUBLISHED["value_kind"].map(is_source_kind).all() and PUBLISHED["rank_kind"].map(is_source_kind).all()


FIELD_KINDS = [  # (source_kind, note start, value kind, rank kind)
    ("official", None, "official", "official"),
    ("press", "", "press", "press"),
    ("third_party", "third-party compilation", "third_party", "third_party"),
    ("official+third_party", "ADDS total_value to an existing row (other fields copied unchanged)",
     "third_party", "official"),
    ("press+third_party", "ADDS total_value, gov/econ/soc values and ranks to the existing row from",
     "third_party", "press"),
    ("press+third_party", "ADDS gov/econ/soc values to the existing row from a third-party compilation",
     "press+third_party", "press+third_party"),
    ("official+press+third_party", "ADDS gov_rank/econ_rank/soc_rank (press) and total_value (third-party) "
     "to the existing row", "third_party", "official+press"),
    ("official+third_party", "new row; official provincial portal; total value also in the third-party table",
     "official+third_party", "official+third_party"),
]


@pytest.mark.parametrize("kind,note,value_kind,rank_kind", FIELD_KINDS)
def test_field_kinds_rule(kind, note, value_kind, rank_kind):
    assert field_kinds(kind, note) == (value_kind, rank_kind)


def test_field_kinds_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        field_kinds("rumour", None)


def test_gia_lai_2022_rank_is_official_and_its_value_third_party():
    row = PUBLISHED.loc[(PUBLISHED["year"] == 2022) & (PUBLISHED["entity"] == "Gia Lai")].iloc[0]
    assert row["source_kind"] == "official+third_party"
    assert (row["value_kind"], row["rank_kind"]) == ("third_party", "official")
    assert int(row["total_rank"]) == 62 and row["total_value"] == pytest.approx(0.4069)


# --- ranks: published kept, derived labelled --------------------------------------------------------------

def test_every_published_rank_is_kept_as_published():
    for group, hist in (("63", H63), ("34", H34)):
        pub = PUBLISHED.loc[(PUBLISHED["entity_group"] == group) & PUBLISHED["total_rank"].notna()]
        shown = hist.set_index(["year", "entity"])
        assert len(pub) > 0
        for _, r in pub.iterrows():
            row = shown.loc[(r["year"], r["entity"])]
            assert int(row["rank"]) == int(r["total_rank"]), (group, r["year"], r["entity"])
            assert row["rank_kind"] == r["rank_kind"] and is_source_kind(row["rank_kind"])


def test_kon_tum_2022_keeps_its_official_rank_not_the_sort_of_its_rounded_value():
    row = H63.set_index(["year", "entity"]).loc[(2022, "Kon Tum")]
    assert int(row["rank"]) == 45 and row["rank_kind"] == "press"
    # Sorting the rounded 0,54 would have put it 47th.
    year = H63.loc[H63["year"] == 2022]
    assert int((year["value"] > 0.54).sum()) + 1 == 47


def test_derived_ranks_only_in_complete_years_and_labelled():
    derived = HISTORY.loc[HISTORY["rank_kind"] == analysis.DERIVED_SORT]
    assert set(zip(derived["entity_group"], derived["year"])) == {("63", 2023), ("63", 2024), ("34", 2022),
                                                                   ("34", 2023), ("34", 2024)}
    assert len(derived.loc[(derived["entity_group"] == "63") & (derived["year"] == 2023)]) == 63 - 9
    assert HISTORY.loc[HISTORY["year"].isin([2020, 2021]), "rank_kind"].ne(analysis.DERIVED_SORT).all()
    # No rank at all without a published one or a complete year.
    missing = HISTORY.loc[HISTORY["rank"].isna()]
    assert missing["rank_kind"].isna().all()
    assert set(missing["year"]) <= {2020, 2021}


@pytest.mark.parametrize("group,year", [("63", 2023), ("63", 2024), ("34", 2024)])
def test_derived_ranks_agree_with_the_published_ones_of_that_year(group, year):
    """Sorting the year's values reproduces every rank published for that year (a check on the data)."""
    from scoring.engine import rank_values

    rows = HISTORY.loc[(HISTORY["entity_group"] == group) & (HISTORY["year"] == year)]
    sorted_rank = rank_values(rows["value"].to_numpy())
    published = rows["rank_kind"].map(is_source_kind).to_numpy()
    assert published.sum() >= 6
    np.testing.assert_array_equal(sorted_rank[published], rows["rank"].to_numpy(dtype=float)[published])


# --- 34-group values derived by the published rule ---------------------------------------------------

P34 = RAW.loc[RAW["group"] == "34"]


def test_twelve_published_34_rows():
    assert len(P34) == 12 and P34["total_value"].notna().sum() == 7


@pytest.mark.parametrize("entity", sorted(PUBLISHED.loc[PUBLISHED["entity_group"] == "34", "entity"]))
def test_derived_34_value_is_the_mean_of_the_constituents(entity):
    members = E63.loc[E63["merged_into"] == entity, "name"].tolist()
    p63 = PUBLISHED.loc[(PUBLISHED["entity_group"] == "63") & (PUBLISHED["year"] == 2024)].set_index("entity")
    mean = float(np.mean([p63.loc[m, "total_value"] for m in members]))
    pub = PUBLISHED.loc[(PUBLISHED["entity_group"] == "34") & (PUBLISHED["entity"] == entity)].iloc[0]
    row = BASELINE.set_index("entity").loc[entity]
    if pd.isna(pub["total_value"]):
        assert row["value_kind"] == analysis.DERIVED_MEAN and row["value"] == pytest.approx(mean, abs=1e-12)
        assert row["constituents"] == ", ".join(sorted(members))
    else:
        # The published 34-group value is the mean of its constituents' published totals, within rounding:
        # each constituent is printed to 4 decimals (±0.00005, so their mean too) and so is the 34 value.
        assert abs(pub["total_value"] - mean) <= 0.0001 + 1e-12, (entity, pub["total_value"], mean)
        assert row["value"] == pub["total_value"] and row["value_kind"] == pub["value_kind"]
    assert int(row["rank"]) == int(pub["total_rank"]) and row["rank_kind"] == pub["rank_kind"]


def test_derived_value_needs_every_constituent():
    # 2020: only some 63-group values are published; a merged province with one constituent missing stays missing.
    y2020 = H34.loc[H34["year"] == 2020].set_index("entity")
    assert pd.isna(y2020.loc["Gia Lai", "value"]) and pd.isna(y2020.loc["Gia Lai", "value_kind"])
    p2020 = PUBLISHED.loc[(PUBLISHED["year"] == 2020) & (PUBLISHED["entity_group"] == "63")].set_index("entity")
    for entity, row in y2020.iterrows():
        members = E63.loc[E63["merged_into"] == entity, "name"].tolist()
        complete = all(m in p2020.index and not pd.isna(p2020.loc[m, "total_value"]) for m in members)
        assert complete == (row["value_kind"] == analysis.DERIVED_MEAN) == (not pd.isna(row["value"])), entity
    assert y2020["value"].notna().sum() == 3


def test_derived_rows_say_what_they_come_from():
    derived = H34.loc[H34["value_kind"] == analysis.DERIVED_MEAN]
    assert len(derived) > 0 and derived["constituents"].str.len().gt(0).all()
    assert derived["constituent_kinds"].map(is_source_kind).all()


def test_gia_lai_history_shows_its_published_years():
    gl63 = H63.loc[H63["entity"] == "Gia Lai"].set_index("year")
    assert list(gl63.index) == [2022, 2023, 2024]
    assert int(gl63.loc[2022, "rank"]) == 62 and gl63.loc[2022, "rank_kind"] == "official"
    gl34 = H34.loc[H34["entity"] == "Gia Lai"].set_index("year")
    assert int(gl34.loc[2024, "rank"]) == 31 and gl34.loc[2024, "rank_kind"] == "press"
    assert gl34.loc[2024, "value"] == pytest.approx((0.5288 + 0.697) / 2)
    assert gl34.loc[2024, "value_kind"] == analysis.DERIVED_MEAN
    assert gl34.loc[[2022, 2023, 2024], "value"].notna().all()


# --- the 2024 baseline -------------------------------------------------------------------------------

def test_baseline_2024_covers_the_34_with_kinds():
    assert len(BASELINE) == 34 and BASELINE["entity"].is_unique
    assert BASELINE["value"].notna().all() and BASELINE["rank"].notna().all()
    assert sorted(BASELINE["rank"].astype(int)) == list(range(1, 35))
    kinds = set(BASELINE["value_kind"]) | set(BASELINE["rank_kind"])
    assert kinds <= {"press", analysis.DERIVED_MEAN, analysis.DERIVED_SORT}
    assert (BASELINE["value_kind"] == "press").sum() == 7 and (BASELINE["rank_kind"] == "press").sum() == 12
    assert BASELINE["points"].to_numpy() == pytest.approx(BASELINE["value"].to_numpy() * 1000)


# --- every shown published figure carries its kind ------------------------------------------------------

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_history_table_words_every_kind(lang):
    rows = analysis.history_of(HISTORY, "34", ["Gia Lai", "Huế"])
    table = tables.history_table(rows, lang, with_constituents=True)
    value_col, rank_col = table.columns[6], table.columns[5]
    assert (value_col, rank_col) == ((("Nguồn giá trị", "Nguồn hạng") if lang == "vi" else ("Value source", "Rank source")))
    for (_, r), vk, rk in zip(rows.iterrows(), table[value_col], table[rank_col]):
        assert (vk == "—") == pd.isna(r["value"]) and (rk == "—") == pd.isna(r["rank"])
        for word in (vk, rk):
            assert "_" not in word  # words, not identifiers
    if lang == "vi":
        assert "Suy ra (trung bình các tỉnh hợp thành) — từ số liệu: Tổng hợp của bên thứ ba (không chính thức)" \
            in set(table[value_col])
        assert "Báo chí" in set(table[rank_col])
        all63 = tables.history_table(H63, lang)
        assert {"Công bố chính thức", "Báo chí", "Tổng hợp của bên thứ ba (không chính thức)",
                "Suy ra (sắp xếp theo giá trị)"} <= set(all63["Nguồn hạng"]) | set(all63["Nguồn giá trị"])


def test_history_chart_hover_names_the_kind_of_every_point():
    labels = {k: tables.kind_words(k, "vi") for k in set(HISTORY["value_kind"].dropna()) | set(HISTORY["rank_kind"].dropna())}
    fig = charts.history_chart(H63, ["Gia Lai", "Đà Nẵng"], labels, breaks={2022: "Đổi phương pháp (2022)"},
                               rank_word="Hạng")
    assert len(fig.data) == 3  # the other provinces in one grey trace, then the two highlighted ones
    n_points = 0
    for trace in fig.data:
        for x, text in zip(trace.x, trace.text):
            if x is None or x != x:  # a cut: at a method break, or between provinces in the grey trace
                assert text == ""
                continue
            n_points += 1
            assert any(f"({w})" in text for w in labels.values()), text
    assert n_points == H63["value"].notna().sum()
    gl = next(tr for tr in fig.data if tr.name == "Gia Lai")
    assert "Hạng 62/63 (Công bố chính thức)" in gl.text[0]
    assert "(Tổng hợp của bên thứ ba (không chính thức))" in gl.text[0]
    assert [s for s in gl.marker.symbol] == ["diamond"] * 3
    assert any(shape.x0 == 2021.5 for shape in fig.layout.shapes)
    # Đà Nẵng has 2020, 2021 and 2022–2024 values: its line is cut once, before 2022.
    dn = next(tr for tr in fig.data if tr.name == "Đà Nẵng")
    assert list(dn.x) == [2020, 2021, None, 2022, 2023, 2024]


# --- rank odds from real movement ------------------------------------------------------------------------

def test_real_changes_count_and_years():
    real = montecarlo.year_on_year_changes(PUBLISHED)
    assert len(real) == 126 and real["entity"].nunique() == 63
    assert set(zip(real["year_from"], real["year_to"])) == {(2022, 2023), (2023, 2024)}
    gl = real.set_index(["entity", "year_from"]).loc[("Gia Lai", 2022), "change"]
    assert gl == pytest.approx(0.6159 - 0.4069)
    scaled = montecarlo.year_on_year_changes(PUBLISHED, scale=1000, center=True)
    assert scaled.groupby("year_from")["change"].mean().abs().max() < 1e-9
    assert scaled.loc[scaled["year_from"] == 2022, "change"].to_numpy() == pytest.approx(
        (real.loc[real["year_from"] == 2022, "change"] - real.loc[real["year_from"] == 2022, "change"].mean())
        .to_numpy() * 1000)


def test_real_changes_skip_missing_values_and_other_groups():
    df = pd.DataFrame({"year": [2022, 2023, 2024, 2022, 2024, 2023, 2024],
                       "entity": ["A", "A", "A", "B", "B", "C", "C"],
                       "entity_group": ["63", "63", "63", "63", "63", "34", "34"],
                       "total_value": [0.5, 0.6, 0.55, 0.4, 0.7, 0.5, 0.6]})
    real = montecarlo.year_on_year_changes(df, scale=1000)
    assert list(zip(real["entity"], real["year_from"])) == [("A", 2022), ("A", 2023)]
    assert real["change"].to_numpy() == pytest.approx([100.0, -50.0])


def test_change_value_kinds_counts_both_ends():
    real = montecarlo.year_on_year_changes(PUBLISHED)
    kinds = analysis.change_value_kinds(PUBLISHED, real)
    assert int(kinds.sum()) == 2 * len(real)
    assert kinds.index[0] == "third_party"


# --- pages (AppTest) -------------------------------------------------------------------------------------


@pytest.fixture()
def app(tmp_path, monkeypatch):
    yield from app_session(tmp_path, monkeypatch, "history.duckdb")


def go(at, page):
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def history_tables(at):
    return [df.value for df in at.dataframe if "Nguồn giá trị" in df.value.columns]


def history_figures(at):
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return [f for f in figs if any("Đổi phương pháp" in (a.get("text") or "") for a in f["layout"].get("annotations", []))]


def test_trends_page_gia_lai(app):
    go(app, "pages/trends.py")
    t34, t63 = history_tables(app)[:2]
    gl = t34.set_index("Năm")
    assert set(gl["Tỉnh, thành phố"]) == {"Gia Lai"}
    assert gl.loc[2024, "Hạng"] == "31" and gl.loc[2024, "Nguồn hạng"] == "Báo chí"
    assert gl.loc[2020, "Hạng"] == "—" and gl.loc[2020, "Số tỉnh xếp hạng"] == "—"
    assert gl.loc[2024, "Giá trị (0–1)"] == "0,6129"
    assert gl.loc[2024, "Nguồn giá trị"].startswith("Suy ra (trung bình")
    assert gl.loc[2022, "Giai đoạn phương pháp"] == "2022–2024" and gl.loc[2020, "Giai đoạn phương pháp"].startswith("2020")
    assert gl.loc[[2022, 2023, 2024], "Giá trị (0–1)"].ne("—").all()
    assert (t34["Tỉnh hợp thành"] == "Bình Định, Gia Lai").all()
    old = t63.set_index(["Tỉnh, thành phố", "Năm"])
    assert old.loc[("Gia Lai", 2022), "Hạng"] == 62 and old.loc[("Gia Lai", 2022), "Nguồn hạng"] == "Công bố chính thức"
    assert old.loc[("Gia Lai", 2022), "Nguồn giá trị"] == "Tổng hợp của bên thứ ba (không chính thức)"
    assert old.loc[("Bình Định", 2022), "Hạng"] == 29
    assert old.loc[("Gia Lai", 2023), "Nguồn hạng"] == "Suy ra (sắp xếp theo giá trị)"
    figs = history_figures(app)
    assert len(figs) == 2
    focus = [tr for tr in figs[0]["data"] if tr["name"] == "Gia Lai"][0]
    assert all("(" in text for text in focus["text"])
    # Peers: adding one adds its rows and a coloured line.
    app.multiselect(key="hist_peers34").set_value(["Huế"]).run()
    t34 = history_tables(app)[0]
    assert set(t34["Tỉnh, thành phố"]) == {"Gia Lai", "Huế"}
    assert t34.set_index(["Tỉnh, thành phố", "Năm"]).loc[("Huế", 2024), "Nguồn giá trị"] == "Báo chí"


def test_trends_page_merged_province_and_63_focus(app):
    # Đắk Lắk (34) = Đắk Lắk + Phú Yên (63).
    app.sidebar.selectbox(key="w_focus").set_value("Đắk Lắk").run()
    go(app, "pages/trends.py")
    t34, t63 = history_tables(app)[:2]
    assert set(t34["Tỉnh hợp thành"]) == {"Phú Yên, Đắk Lắk"}
    assert set(t63["Tỉnh, thành phố"]) == {"Đắk Lắk", "Phú Yên"}
    dl = t34.set_index("Năm")
    assert dl.loc[2024, "Nguồn hạng"] == "Suy ra (sắp xếp theo giá trị)" and dl.loc[2024, "Hạng"] == "29"
    # A 63-group focus shows its own history and the province it became.
    app.sidebar.radio(key="w_group").set_value("63").run()
    app.sidebar.selectbox(key="w_focus").set_value("Phú Yên").run()
    go(app, "pages/trends.py")
    t34, t63 = history_tables(app)[:2]
    assert set(t34["Tỉnh, thành phố"]) == {"Đắk Lắk"} and set(t63["Tỉnh, thành phố"]) == {"Phú Yên"}


@pytest.mark.parametrize("focus", ["Gia Lai", "Đắk Lắk"])
def test_odds_page_bootstrap_uses_the_real_changes(app, focus):
    app.sidebar.selectbox(key="w_focus").set_value(focus).run()
    go(app, "pages/odds.py")
    app.radio(key="odds_method").set_value("bootstrap").run()
    assert not app.exception
    note = " ".join(c.value for c in app.caption)
    assert "126 thay đổi thực tế" in note and "63 tỉnh" in note and "2022→2023, 2023→2024" in note
    assert "Tổng hợp của bên thứ ba (không chính thức)" in note
    assert "1.000 điểm" in note
    p_centred = app.metric[0].value, app.metric[2].value
    app.checkbox(key="odds_centre").uncheck().run()
    assert not app.exception
    # Without removing the common rise (+100 points in 2022→2023) the others pull ahead of a fixed focus.
    assert app.metric[2].value != p_centred[1] or app.metric[0].value != p_centred[0]


# --- an existing database file is upgraded -----------------------------------------------------------

def test_schema_1_database_is_upgraded_and_reloaded(tmp_path):
    import duckdb

    from office.bootstrap import ensure_default_data
    from storage.schema import SCHEMA_VERSION
    from storage.db import Store

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('bootstrap_version', '2')")
    con.execute("""CREATE TABLE published_results (
        year INTEGER NOT NULL, entity_group VARCHAR NOT NULL, entity VARCHAR, published_name VARCHAR NOT NULL,
        total_value DOUBLE, total_rank INTEGER, n_ranked INTEGER, gov_value DOUBLE, gov_rank INTEGER,
        econ_value DOUBLE, econ_rank INTEGER, soc_value DOUBLE, soc_rank INTEGER,
        source_url VARCHAR, quote VARCHAR, official BOOLEAN)""")
    con.execute("INSERT INTO published_results (year, entity_group, entity, published_name, total_rank) "
                "VALUES (2022, '63', 'Gia Lai', 'Gia Lai', 62)")
    con.close()
    store = Store(path)
    try:
        assert store.get_meta("schema_version") == SCHEMA_VERSION == "2"
        assert ensure_default_data(store, with_sample=False) is True
        pub = storage.inputs.published_results(store)
        assert len(pub) == 237
        assert {"source_kind", "note", "value_kind", "rank_kind"} <= set(pub.columns)
        assert pub["source_kind"].map(is_source_kind).all()
        gl = pub.loc[(pub["year"] == 2022) & (pub["entity"] == "Gia Lai")].iloc[0]
        assert (gl["value_kind"], gl["rank_kind"]) == ("third_party", "official")
    finally:
        store.close()


def test_trends_page_all_34_by_year(app):
    go(app, "pages/trends.py")
    app.selectbox(key="hist_all34_year").set_value(2024).run()
    full = [t for t in history_tables(app) if len(t) == 34][0]
    assert list(full["Hạng"].astype(int)) == list(range(1, 35))
    kinds = full.set_index("Tỉnh, thành phố")
    assert kinds.loc["Hà Nội", "Nguồn giá trị"] == "Báo chí" and kinds.loc["Gia Lai", "Nguồn hạng"] == "Báo chí"
    assert kinds.loc["Quảng Ninh", "Nguồn hạng"] == "Suy ra (sắp xếp theo giá trị)"
    app.selectbox(key="hist_all34_year").set_value(2020).run()
    full = [t for t in history_tables(app) if len(t) == 34][0]
    assert (full["Giá trị (0–1)"] != "—").sum() == 3 and (full["Hạng"] == "—").all()


def test_rankings_63_table_labels_published_and_derived_ranks(app):
    app.sidebar.radio(key="w_group").set_value("63").run()
    go(app, "pages/rankings.py")
    app.selectbox(key="pub_year").set_value(2023).run()
    table = app.dataframe[0].value.set_index("Tỉnh, thành phố")
    assert len(table) == 63
    assert table.loc["Tuyên Quang", "Hạng"] == 38 and table.loc["Tuyên Quang", "Nguồn hạng"] == \
        "Công bố chính thức + Tổng hợp của bên thứ ba (không chính thức)"
    assert table.loc["Gia Lai", "Nguồn hạng"] == "Suy ra (sắp xếp theo giá trị)"
    assert (table["Nguồn hạng"] == "Suy ra (sắp xếp theo giá trị)").sum() == 54
    app.selectbox(key="pub_year").set_value(2022).run()
    table = app.dataframe[0].value.set_index("Tỉnh, thành phố")
    assert table.loc["Kon Tum", "Hạng"] == 45 and table.loc["Kon Tum", "Nguồn hạng"] == "Báo chí"
    assert table.loc["Gia Lai", "Hạng"] == 62 and table.loc["Gia Lai", "Nguồn hạng"] == "Công bố chính thức"
