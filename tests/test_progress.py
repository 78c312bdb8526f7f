"""In-year progress (issue 10): year-end projection by hand, points over time, the stored round trip."""
import storage.collection
import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest

from office import collection as col
from office import collection_round as rounds
from scoring import progress
from tests.helpers import one_leaf_framework

FW = one_leaf_framework({"type": "linear", "numerator": ["a"], "denominator": ["b"]}, ["a", "b"], max_points=20)
BASE = pd.DataFrame({"indicator": ["X.1", "X.1"], "variable": ["a", "b"], "value": [100.0, 400.0]})


def upd(rows):
    return pd.DataFrame(rows, columns=["as_of", "indicator", "variable", "value"])


D_BASE, D_JUN, D_SEP = -365, -(date(2025, 12, 31) - date(2025, 6, 30)).days, -(date(2025, 12, 31) - date(2025, 9, 30)).days


@pytest.mark.parametrize("updates, want_a, method", [
    ([], 100.0, "last"),                                           # nothing new: last year's value stays
    ([("2025-06-30", "X.1", "a", 150.0)], 150 + (-D_JUN) * 50 / (D_JUN - D_BASE), "trend"),  # line through 2 points
    ([("2025-06-30", "X.1", "a", 150.0), ("2025-09-30", "X.1", "a", 200.0)], None, "trend"),  # least squares, 3 points
    ([("2025-06-30", "X.1", "a", 20.0)], 0.0, "trend"),            # a falling line stops at 0
    ([("2025-06-30", "X.1", "a", 390.0)], 400.0, "trend"),         # a part never above its whole
])
def test_year_end_projection_by_hand(updates, want_a, method):
    out = progress.project_year_end(FW, BASE, upd(updates), 2025).set_index(["indicator", "variable"])
    if want_a is None:
        import numpy as np
        x = np.array([D_BASE, D_JUN, D_SEP], float)
        y = np.array([100, 150, 200], float)
        want_a = np.polyfit(x, y, 1)[1]
    assert out.loc[("X.1", "a"), "value"] == pytest.approx(want_a)
    assert out.loc[("X.1", "a"), "method"] == method
    assert out.loc[("X.1", "b"), "value"] == 400.0 and out.loc[("X.1", "b"), "method"] == "last"


def test_missing_stays_missing_and_points_over_time():
    base = BASE.iloc[[1]]  # no last-year value of a
    pts = progress.points_over_time(FW, base, upd([("2025-03-31", "X.1", "a", 100.0),
                                                   ("2025-06-30", "X.1", "a", 200.0)]), "P", 2025)
    leaf = pts.loc[pts["code"] == "X.1"].sort_values("as_of")["points"].tolist()
    assert pd.isna(leaf[0]) and leaf[1:] == pytest.approx([5.0, 10.0])  # 100/400 × 20, 200/400 × 20
    assert progress.project_year_end(FW, base.iloc[0:0], upd([]), 2025).empty


def test_progress_round_trip_on_the_sample(store):
    from scoring.framework import load_framework
    from tests.test_collection import SAMPLE, fill

    fw = load_framework("dti_province_2025")
    sample = pd.read_csv(SAMPLE, dtype={"indicator": str, "variable": str})
    v24 = sample.loc[(sample["entity"] == "Gia Lai") & (sample["year"] == 2024)].set_index(["indicator", "variable"])["value"]
    v25 = sample.loc[(sample["entity"] == "Gia Lai") & (sample["year"] == 2025)].set_index(["indicator", "variable"])["value"]
    # two quarterly updates of every variable on the straight line from 2024's to 2025's value
    for as_of in (date(2025, 6, 30), date(2025, 9, 30)):
        f = ((pd.Timestamp(as_of) - pd.Timestamp("2024-12-31")).days / 365)
        vals = {k: (round(v24[k] + f * (v25[k] - v24[k])) if float(v25[k]).is_integer() and float(v24[k]).is_integer()
                    and not k[1].startswith("item") else v24[k] + f * (v25[k] - v24[k])) for k in v25.index}
        vals = {k: (v25[k] if k[1].startswith("item") else v) for k, v in vals.items()}
        for agency, codes in col.agency_leaves(fw).items():
            blob = col.build_request_workbook(fw, agency, codes, "Gia Lai", 2025, None)
            read = rounds.receive_progress(store, fw, "Gia Lai", 2025, as_of, agency, fill(blob, vals),
                                           f"{agency}.xlsx", "Lan")
            assert read.ok, [p.text() for p in read.problems]
    peers = pd.Series({"A": 800.0, "B": 700.0, "C": 600.0})
    view = rounds.progress_view(store, fw, "Gia Lai", 2025, peers, n_draws=2000, dataset="sample")
    # points on a straight line land (about) on 2025's values: projected total ≈ the sample's 2025 total
    assert view["total"] == pytest.approx(673.64, abs=1.0)
    assert view["sim"].base_rank == 3 and view["sim"].n_entities == 4
    assert set(view["over_time"]["as_of"].dt.date) == {date(2024, 12, 31), date(2025, 6, 30), date(2025, 9, 30)}
    # an update of an indicator the agency does not lead is refused, nothing written
    blob = col.build_request_workbook(fw, "Thuế tỉnh", ["5.4"], "Gia Lai", 2025, None)
    wb = openpyxl.load_workbook(io.BytesIO(fill(blob, v25)))
    wb[col.DATA_SHEET].append(["Gia Lai", 2025, "1.1", "a", 5])
    buf = io.BytesIO()
    wb.save(buf)
    n = len(storage.collection.progress_updates(store, fw.id, "Gia Lai", 2025))
    assert not rounds.receive_progress(store, fw, "Gia Lai", 2025, date(2025, 10, 1), "Thuế tỉnh", buf.getvalue(),
                                       "t.xlsx").ok
    assert len(storage.collection.progress_updates(store, fw.id, "Gia Lai", 2025)) == n
