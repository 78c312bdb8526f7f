"""Pages at scale (issue 11): more entities than a full chart can hold, an import larger than a page shows."""
import json
import sys

import pytest

from tests.conftest import ROOT
from tests.helpers import app_session

sys.path.insert(0, str(ROOT / "bench"))
from bench_pages import build_store  # noqa: E402

N = 120  # the 34 provinces and 86 synthetic SAMPLE entities


@pytest.fixture()
def app(tmp_path, monkeypatch):
    build_store(tmp_path / "app.duckdb", N)
    yield from app_session(tmp_path, monkeypatch)


def values(v) -> list:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def charts_of(at) -> dict:
    return {el.proto.id: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def test_rankings_draw_a_condensed_chart_and_the_whole_field(app):
    app.run()
    app.switch_page("pages/rankings.py").run()
    assert not app.exception, [e.value for e in app.exception]
    figs = list(charts_of(app).values())
    bars = next(f for f in figs if f["data"][0].get("orientation") == "h")
    assert 20 <= len(values(bars["data"][0]["x"])) <= 30
    gaps = [a["text"] for a in bars["layout"]["annotations"] if "khác" in a["text"]]
    assert gaps and all(g.startswith("… ") and g.endswith(" tỉnh, thành phố khác …") for g in gaps)
    spread = next(f for f in figs if "Phân bố điểm của cả 120" in f["layout"]["title"]["text"])
    assert sum(values(spread["data"][0]["y"])) == N
    assert any("Gia Lai:" in a["text"] and "hạng" in a["text"] for a in spread["layout"]["annotations"])
    assert any("10 vị trí đầu" in c.value for c in app.caption)


def test_data_page_shows_the_first_rows_of_a_large_import_and_says_so(app):
    app.run()
    app.switch_page("pages/data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    notes = [c.value for c in app.caption if c.value.startswith("Hiển thị 2.000 dòng đầu trong")]
    assert len(notes) == 2  # under the rows and under the comparison
    assert all(len(df.value) <= 2000 for df in app.dataframe)
