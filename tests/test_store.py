"""Pipeline tests: the DuckDB store, default data, all-or-nothing imports, template round trip, purity."""
import storage.db
import storage.inputs
import ast
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from office import imports as importer
from office.bootstrap import DEFAULT_FRAMEWORK, ensure_default_data, sample_file
from storage.db import Store
from loaders.templates import build_template
from scoring import load_framework, score
from tests.conftest import ROOT



def snapshot(store: Store) -> dict:
    return storage.inputs.counts(store) | {"sum": float(store.query("SELECT coalesce(sum(value), 0) FROM raw_inputs").iloc[0, 0])}


def test_default_data_loaded_once(store):
    counts = storage.inputs.counts(store)
    assert counts["entities"] == 34 + 63
    assert counts["published_results"] == len(pd.read_csv(ROOT / "data/reference/dti_public_results.csv"))
    # the provincial SAMPLE inputs, the SAMPLE unit list of Huế and one SAMPLE unit file per unit framework
    unit_files = [p for p in (ROOT / "data/sample").glob("SAMPLE_units_*.csv") if "_inputs_" in p.name
                  or "_appraised_" in p.name]
    assert counts["imports"] == 2 + len(unit_files)
    assert counts["raw_inputs"] == len(pd.read_csv(sample_file())) + sum(len(pd.read_csv(p)) for p in unit_files)
    assert counts["units"] == len(pd.read_csv(ROOT / "data/sample/SAMPLE_units_Hue.csv"))
    log = storage.inputs.import_log(store)
    assert set(log["flag"]) == {"sample"} and log["file_name"].str.startswith("SAMPLE_").all()
    assert ensure_default_data(store) is False  # second call: nothing loaded again
    assert storage.inputs.counts(store) == counts


def test_merger_mapping_and_published_entities(store):
    e63 = storage.inputs.entities(store, "63").set_index("name")
    assert e63.loc["Bình Định", "merged_into"] == "Gia Lai"
    assert e63.loc["Thừa Thiên Huế", "merged_into"] == "Huế"
    pub = storage.inputs.published_results(store)
    assert pub["entity"].notna().all()
    gl = pub.loc[(pub["year"] == 2024) & (pub["entity_group"] == "34") & (pub["entity"] == "Gia Lai")]
    assert int(gl["total_rank"].iloc[0]) == 31 and pd.isna(gl["total_value"].iloc[0])  # missing stays missing


def test_default_scores_reproduce_published_2024_ranks(store):
    fw = load_framework(DEFAULT_FRAMEWORK)
    result = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK))
    ranks = result.total(2024).set_index("entity")["rank"]
    pub = storage.inputs.published_results(store)
    pub = pub.loc[(pub["year"] == 2024) & (pub["entity_group"] == "34")]
    for _, r in pub.iterrows():
        assert ranks[r["entity"]] == r["total_rank"], r["entity"]


def test_plan_values_from_seed(store):
    plan = storage.inputs.plan_values(store, DEFAULT_FRAMEWORK).set_index("code")
    assert plan.loc["4.6", "points_2024"] == pytest.approx(21.32)
    assert plan.loc["5", "points_2024"] == pytest.approx(63.99)


def long_csv(rows):
    return ("entity,year,indicator,variable,value\n" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


BAD_FILES = [
    ("unknown province", long_csv([("Atlantis", 2025, "1.1", "a", 1), ("Atlantis", 2025, "1.1", "b", 2)]), "Atlantis"),
    ("not a number", long_csv([("Gia Lai", 2025, "1.1", "a", "nhiều"), ("Gia Lai", 2025, "1.1", "b", 2)]), "nhiều"),
    ("part > whole", long_csv([("Gia Lai", 2025, "1.1", "a", 5), ("Gia Lai", 2025, "1.1", "b", 2)]), "1.1"),
    ("zero whole", long_csv([("Gia Lai", 2025, "1.1", "a", 0), ("Gia Lai", 2025, "1.1", "b", 0)]), "1.1"),
]


@pytest.mark.parametrize("name,content,mentioned", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_writes_nothing(store, name, content, mentioned):
    fw = load_framework(DEFAULT_FRAMEWORK)
    before = snapshot(store)
    parsed, import_id = importer.import_file(store, fw, content, "bad.csv")
    assert import_id is None and not parsed.ok
    message = " ".join(parsed.messages("vi"))
    assert "bad.csv" in message and mentioned in message
    assert snapshot(store) == before
    with pytest.raises(ValueError):
        importer.commit(store, parsed, fw)
    assert snapshot(store) == before


def test_failure_inside_the_transaction_rolls_back(store, monkeypatch):
    fw = load_framework(DEFAULT_FRAMEWORK)
    parsed = importer.validate(store, fw, long_csv([("Gia Lai", 2026, "1.1", "a", 1), ("Gia Lai", 2026, "1.1", "b", 2)]),
                               "ok.csv")
    assert parsed.ok
    before = snapshot(store)
    original = storage.db.insert_frame

    def exploding(cur, table, df):
        original(cur, table, df)
        raise RuntimeError("disk full")

    monkeypatch.setattr(storage.db, "insert_frame", exploding)
    with pytest.raises(RuntimeError):
        importer.commit(store, parsed, fw, imported_by="kiểm thử")
    monkeypatch.setattr(storage.db, "insert_frame", original)
    assert snapshot(store) == before


def test_template_import_score_round_trip(store, tmp_path):
    fw = load_framework(DEFAULT_FRAMEWORK)
    base = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK)
    gl = base.loc[(base["entity"] == "Gia Lai") & (base["year"] == 2025)]
    template = build_template(fw, ["Gia Lai"], [2026], "vi")
    wb = openpyxl.load_workbook(io.BytesIO(template))
    # Fill every variable of every main-index sheet from Gia Lai's 2025 sample values, as 2026:
    # some cells as Vietnamese-formatted text ("12.345,5"), the others as plain numbers.
    values = {f"{r.indicator}.{r.variable}": r.value for r in gl.itertuples()}
    filled = 0
    for ws in wb.worksheets[2:]:
        header = {cell.column: cell.value for cell in ws[2]}
        assert header[1] == "entity" and ws.cell(3, 1).value == "Gia Lai" and ws.cell(3, 2).value == 2026
        for col, code in header.items():
            if code in values:
                v = values[code]
                vn_text = f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
                ws.cell(3, col).value = vn_text if (filled % 2 and v >= 1000) else v
                filled += 1
    assert filled == len(values)
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    parsed, import_id = importer.import_file(store, fw, path.read_bytes(), "filled.xlsx", imported_by="test")
    assert parsed.ok, parsed.messages("en")[:5]
    assert import_id is not None
    # The own 2026 figures form their own dataset (SAMPLE never mixes in); they score as the SAMPLE 2025 ones.
    own = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="own")).points_wide().set_index(["entity", "year"])
    sample = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample")).points_wide().set_index(
        ["entity", "year"])
    assert own.index.tolist() == [("Gia Lai", 2026)]
    assert own["total"][("Gia Lai", 2026)] == pytest.approx(sample["total"][("Gia Lai", 2025)], abs=1e-6)
    log = storage.inputs.import_log(store)
    assert log.loc[0, "file_name"] == "filled.xlsx" and log.loc[0, "imported_by"] == "test"
    assert log.loc[0, "n_rows"] == len(values)


def test_latest_import_wins(store):
    fw = load_framework(DEFAULT_FRAMEWORK)
    content = long_csv([("Gia Lai", 2025, "1.1", "a", 10), ("Gia Lai", 2025, "1.1", "b", 10)])
    parsed, import_id = importer.import_file(store, fw, content, "fix.csv", imported_by="kiểm thử")
    assert import_id is not None
    cur = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK)
    row = cur.loc[(cur["entity"] == "Gia Lai") & (cur["year"] == 2025) & (cur["indicator"] == "1.1")]
    assert set(row["value"]) == {10.0} and set(row["flag"]) == {"self_assessed"}


def test_scoring_is_pure():
    """scoring/ imports neither streamlit nor duckdb (so it runs in any script, scheduler or test)."""
    for path in (ROOT / "scoring").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for n in names:
                assert n.split(".")[0] not in {"streamlit", "duckdb", "loaders", "dashboard"}, f"{path.name}: {n}"


def test_only_store_talks_to_duckdb():
    users = [p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/*.py")
             if "import duckdb" in p.read_text(encoding="utf-8") and "tests" not in p.parts and "bench" not in p.parts]
    assert users == ["storage/db.py"]


def test_pages_hold_no_sql():
    for page in Path(ROOT / "pages").glob("*.py"):
        text = page.read_text(encoding="utf-8").upper()
        assert "SELECT " not in text and "INSERT " not in text, page.name


def test_many_sessions_share_one_connection(store):
    """Like a Streamlit server: threads read and import at once on one connection (a cursor each)."""
    import threading

    fw = load_framework(DEFAULT_FRAMEWORK)
    errors, ids = [], []

    def session(k):
        try:
            for j in range(3):
                content = long_csv([("Gia Lai", 2030 + k, "1.1", "a", j + 1), ("Gia Lai", 2030 + k, "1.1", "b", 10)])
                _, import_id = importer.import_file(store, fw, content, f"s{k}_{j}.csv",
                                                       imported_by="kiểm thử")
                ids.append(import_id)
                assert len(storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK)) > 0
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert len(set(ids)) == 12 and None not in ids
    cur = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK)
    latest = cur.loc[(cur["year"] >= 2030) & (cur["variable"] == "a")].set_index("year")["value"]
    assert set(latest) == {3.0}  # the last import of each session wins


@pytest.mark.parametrize("file_part,limit", [("SAMPLE_inputs_dti_province_2025", 7),
                                             ("SAMPLE_units_Hue", 5), ("SAMPLE_units_appraised_hue_units", 3)])
def test_import_rows_and_diff_limit_gives_the_first_rows_in_the_same_order(store, file_part, limit):
    log = storage.inputs.import_log(store)
    import_id = int(log.loc[log["file_name"].str.startswith(file_part), "import_id"].iloc[0])
    for method in (storage.inputs.import_rows, storage.inputs.import_diff):
        whole, first = method(store, import_id), method(store, import_id, limit=limit)
        assert len(whole) > limit and len(first) == limit
        pd.testing.assert_frame_equal(first, whole.head(limit))


def test_warm_start_prepares_a_new_database_and_leaves_a_recovery_to_the_server(tmp_path, monkeypatch):
    """scripts/serve.py: a new database gets the default data before the server starts (and is closed
    again); a missing database with a backup is left alone (the server rebuilds it and says so)."""
    import importlib.util

    from office.bootstrap import BOOTSTRAP_VERSION

    spec = importlib.util.spec_from_file_location("serve", ROOT / "scripts" / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    fresh = tmp_path / "fresh.duckdb"
    monkeypatch.setenv("DTI_STUDIO_DB", str(fresh))
    serve.warm()
    store = Store(fresh)  # closed by the warm start: it opens again read-write
    try:
        assert store.get_meta("bootstrap_version") == BOOTSTRAP_VERSION and storage.inputs.counts(store)["imports"] > 0
    finally:
        store.close()
    missing = tmp_path / "lost.duckdb"
    folder = tmp_path / "lost_backup"
    folder.mkdir()
    pd.DataFrame({"import_id": [1], "sha256": ["x"], "n_rows": [0]}).to_csv(folder / "imports.csv", index=False)
    monkeypatch.setenv("DTI_STUDIO_DB", str(missing))
    serve.warm()
    assert not missing.exists()
