"""The cached data layer: results shared without copying (no input table, long table built once,
frozen arrays), the plan cached on its arguments, downloads built only when asked."""
import pytest
import streamlit as st

from tests.helpers import app_session


@pytest.fixture()
def app(tmp_path, monkeypatch):
    yield from app_session(tmp_path, monkeypatch)


def test_scores_are_shared_light_and_read_only(app):
    from dashboard import data

    first = data.scores("dti_province_2025")
    assert "scores" in first.__dict__  # the long table was built when the result was cached
    app.run()
    again = data.scores("dti_province_2025")
    assert again is first and again.scores is first.scores  # no copy, no rebuild on a rerun
    assert again.inputs.empty and len(data.current_inputs("dti_province_2025")) > 0
    assert first._ranked.all()
    with pytest.raises(ValueError):
        first.points[0, 0] = 1.0


def test_plan_is_solved_once_per_set_of_arguments(app, monkeypatch):
    from scoring import planning

    calls = []
    real = planning.make_plan
    monkeypatch.setattr(planning, "make_plan", lambda *a, **k: calls.append(k) or real(*a, **k))
    app.switch_page("pages/plan.py").run()
    assert not app.exception, [e.value for e in app.exception]
    # the top-20 and top-15 plans side by side, and the "other target" (rank 10 by default)
    assert sorted(c["target_rank"] for c in calls) == [10, 15, 20]
    app.run()  # a rerun with the same choices solves nothing again
    assert len(calls) == 3
    app.radio(key="plan_kind").set_value("total").run()
    assert len(calls) == 4 and calls[-1]["target_total"] is not None
    app.radio(key="plan_kind").set_value("rank").run()  # back to a plan already solved
    assert len(calls) == 4


def test_download_files_are_built_on_click_only(app, monkeypatch):
    from dashboard import tables

    built = []
    real = tables.to_excel_bytes
    monkeypatch.setattr(tables, "to_excel_bytes", lambda frame, *a: built.append(len(frame)) or real(frame, *a))
    app.switch_page("pages/rankings.py").run()
    assert not app.exception
    buttons = [b for b in app.get("download_button") if b.proto.label.endswith("Excel")
               or "xlsx" in b.proto.label.lower() or "Excel" in b.proto.label]
    assert buttons and built == []  # the workbook was not built during the run


def test_rank_band_and_odds_are_simulated_once_per_set_of_arguments(app, monkeypatch):
    from scoring import montecarlo

    calls = []
    real = montecarlo.simulate_ranks
    monkeypatch.setattr(montecarlo, "simulate_ranks", lambda *a, **k: calls.append(k) or real(*a, **k))
    st.cache_data.clear()  # the fixture's first run already simulated the overview's band
    app.run()  # overview: the rank band
    app.run()
    assert len(calls) == 1
    app.switch_page("pages/odds.py").run()
    assert not app.exception, [e.value for e in app.exception]
    app.run()
    assert len(calls) == 2 and calls[-1]["method"] == "normal"
    app.radio(key="odds_method").set_value("bootstrap").run()
    assert len(calls) == 3 and len(calls[-1]["changes"]) >= 100  # the real year-on-year changes


def test_template_is_built_on_click_only(app, monkeypatch):
    from loaders import templates

    built = []
    real = templates.build_template
    monkeypatch.setattr(templates, "build_template", lambda *a, **k: built.append(1) or real(*a, **k))
    app.switch_page("pages/data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.get("download_button")  # the template button is there
    assert built == []
