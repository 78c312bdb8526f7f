"""Undo, many processes on one database, database faults, backup → rebuild, safe output."""
import storage.units
import storage.plans
import storage.inputs
import storage.db
import storage.appraisal
import io
import os
import subprocess
import sys
import textwrap
import time

import duckdb
import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from office import imports as importer
from storage import backup
from office import recovery
from office.bootstrap import DEFAULT_FRAMEWORK
from loaders.safe_output import neutralise_frame
from storage.errors import DatabaseLost, DatabaseReadOnly
from storage.db import Store
from scoring import load_framework
from tests.conftest import ROOT

WHO = "Nguyễn Văn A"
APP = str(ROOT / "app.py")


def csv_of(value_a, value_b=10, year=2026):
    return f"entity,year,indicator,variable,value\nGia Lai,{year},1.1,a,{value_a}\nGia Lai,{year},1.1,b,{value_b}\n".encode()


def gia_lai(store, year=2026):
    cur = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK)
    rows = cur.loc[(cur["entity"] == "Gia Lai") & (cur["year"] == year) & (cur["indicator"] == "1.1")]
    return dict(zip(rows["variable"], rows["value"]))


# --- undo and history ---------------------------------------------------------------------------------

def test_rollback_restores_what_the_import_replaced_and_is_recorded(store):
    fw = load_framework(DEFAULT_FRAMEWORK)
    _, first = importer.import_file(store, fw, csv_of(5), "dau.csv", imported_by=WHO)
    _, second = importer.import_file(store, fw, csv_of(7, 12), "sua.csv", imported_by=WHO)
    assert gia_lai(store) == {"a": 7.0, "b": 12.0}
    diff = storage.inputs.import_diff(store, second).set_index("variable")
    assert diff.loc["a", "previous_value"] == 5.0 and diff.loc["b", "previous_value"] == 10.0
    assert set(diff["previous_import"]) == {first}
    assert len(storage.inputs.import_rows(store, second)) == 2
    new = storage.inputs.import_diff(store, first)
    assert new["previous_import"].isna().all()  # 2026 was new
    storage.inputs.rollback_import(store, second, "Trần Thị B", "nhập nhầm tệp")
    assert gia_lai(store) == {"a": 5.0, "b": 10.0}
    info = storage.inputs.import_info(store, second)
    assert info["rolled_back_by"] == "Trần Thị B" and info["rollback_reason"] == "nhập nhầm tệp"
    assert len(storage.inputs.import_rows(store, second)) == 2  # kept, not deleted
    assert storage.db.change_log(store).iloc[0]["action"] == "rollback_import"
    with pytest.raises(ValueError, match="already"):
        storage.inputs.rollback_import(store, second, WHO)
    storage.inputs.rollback_import(store, first, WHO)
    assert gia_lai(store) == {}
    # a later diff ignores rolled-back imports
    _, third = importer.import_file(store, fw, csv_of(9), "moi.csv", imported_by=WHO)
    assert storage.inputs.import_diff(store, third)["previous_import"].isna().all()


def test_rollback_of_a_unit_list_brings_back_the_previous_list(store):
    before = storage.units.units(store, "Huế")
    parsed = importer.validate_unit_list("Tên đơn vị,Cấp\nSở Nội vụ,Sở\n".encode(), "dv.csv")
    uid = importer.commit_unit_list(store, "Huế", parsed, imported_by=WHO)
    assert len(storage.units.units(store, "Huế")) == 1
    diff = storage.inputs.import_diff(store, uid)
    assert (diff["change"] == "removed").sum() == len(before) - 1
    storage.inputs.rollback_import(store, uid, WHO)
    assert len(storage.units.units(store, "Huế")) == len(before)


def test_a_failed_commit_is_retried_not_hidden(store, monkeypatch):
    """A COMMIT that fails with a conflict ends the transaction: no ROLLBACK error, the write is retried."""
    original = Store._transaction_on.__func__ if hasattr(Store._transaction_on, "__func__") else Store._transaction_on
    calls = {"n": 0}
    from contextlib import contextmanager

    @contextmanager
    def flaky(con):
        with original(con) as cur:
            yield cur
            calls["n"] += 1
            if calls["n"] == 1:
                cur.execute("ROLLBACK")  # what a failed COMMIT leaves: no transaction
                raise duckdb.TransactionException("TransactionContext Error: Failed to commit: Conflict on update!")

    monkeypatch.setattr(Store, "_transaction_on", staticmethod(flaky))
    storage.plans.save_scenario(store, "k", DEFAULT_FRAMEWORK, "Gia Lai", 2025, "{}", who=WHO)
    assert calls["n"] == 2 and list(storage.plans.scenarios(store, DEFAULT_FRAMEWORK)["name"]) == ["k"]


# --- many processes on one file -----------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from office import imports as importer
    import storage.inputs
    import storage.plans
    from storage.db import Store
    from scoring import load_framework
    store = Store({db!r})
    fw = load_framework("dti_province_2025")
    errors = 0
    for j in range({n}):
        try:
            storage.plans.save_scenario(store, "chung", fw.id, "Gia Lai", 2025, '{{"k": %d}}' % j, who="{who}")
            storage.plans.save_effort_weights(store, fw.id, {{"1.1": float(j + 1)}}, who="{who}")
            content = ("entity,year,indicator,variable,value\\nGia Lai,{year},1.1,a,%d\\nGia Lai,{year},1.1,b,100\\n" % j).encode()
            _, iid = importer.import_file(store, fw, content, "p{who}_%d.csv" % j, imported_by="{who}")
            assert iid is not None
            assert len(storage.inputs.current_inputs(store, fw.id)) > 0
        except Exception as exc:
            errors += 1
            print(type(exc).__name__, exc, file=sys.stderr)
    print(errors)
""")


def test_two_processes_write_and_read_one_database(store):
    store.close()
    db = store.path
    procs = [subprocess.Popen([sys.executable, "-c", WORKER.format(root=str(ROOT), db=db, n=8, who=f"P{k}",
                                                                   year=2031 + k)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for k in range(2)]
    # this process reads meanwhile (a dashboard) and saves too
    mine = Store(db)
    reads = 0
    while any(p.poll() is None for p in procs):
        assert len(storage.inputs.current_inputs(mine, DEFAULT_FRAMEWORK)) > 0
        storage.plans.save_scenario(mine, "chung", DEFAULT_FRAMEWORK, "Gia Lai", 2025, "{}", who="P-main")
        reads += 1
    outs = [p.communicate(timeout=300) for p in procs]
    for out, err in outs:
        assert out.strip() == "0", err
    assert reads > 0
    log = storage.inputs.import_log(mine)
    assert {f"pP{k}_{j}.csv" for k in range(2) for j in range(8)} <= set(log["file_name"])
    assert len(storage.plans.scenarios(mine, DEFAULT_FRAMEWORK)) == 1
    for k in range(2):
        assert gia_lai(mine, 2031 + k) == {"a": 7.0, "b": 100.0}
    mine.close()


def test_concurrent_saves_of_one_scenario_and_weights_never_fail(store):
    """The issue saw 1 failure in 50 (no active transaction / duplicate key): threads now queue."""
    import threading

    errors = []

    def saver(k):
        for j in range(6):
            try:
                storage.plans.save_scenario(store, "cùng tên", DEFAULT_FRAMEWORK, "Gia Lai", 2025, f'{{"k": {k}, "j": {j}}}', who=f"T{k}")
                storage.plans.save_effort_weights(store, DEFAULT_FRAMEWORK, {"1.1": float(k), "1.2": float(j)}, who=f"T{k}")
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=saver, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(storage.plans.scenarios(store, DEFAULT_FRAMEWORK)) == 1 and len(storage.plans.effort_weights(store, DEFAULT_FRAMEWORK)) == 2
    assert (storage.db.change_log(store)["action"] == "save_scenario").sum() == 48


# --- faults at start and while running ----------------------------------------------------------------

def test_missing_database_without_backup_starts_fresh(tmp_path):
    store, notice = recovery.open_database(tmp_path / "db.duckdb")
    assert notice is None and storage.inputs.counts(store)["imports"] > 0
    store.close()


def _with_user_import(path):
    store, _ = recovery.open_database(path)
    fw = load_framework(DEFAULT_FRAMEWORK)
    _, iid = importer.import_file(store, fw, csv_of(5), "cua_toi.csv", imported_by=WHO)
    storage.plans.save_scenario(store, "giữ", DEFAULT_FRAMEWORK, "Gia Lai", 2025, "{}", who=WHO)
    store.close()
    return iid


def test_missing_database_is_rebuilt_from_the_backup(tmp_path):
    path = tmp_path / "db.duckdb"
    _with_user_import(path)
    assert (backup.backup_dir(path) / "imports.csv").exists()
    path.unlink()
    store, notice = recovery.open_database(path)
    assert notice[0] == "missing_rebuilt" and notice[1]["imports"] == 1
    assert gia_lai(store) == {"a": 5.0, "b": 10.0} and list(storage.plans.scenarios(store, DEFAULT_FRAMEWORK)["name"]) == ["giữ"]
    store.close()


@pytest.mark.parametrize("damage", [b"", b"garbage" * 500, b"DUCK" + bytes(8192)])
def test_corrupt_database_is_moved_aside_and_rebuilt(tmp_path, damage):
    path = tmp_path / "db.duckdb"
    _with_user_import(path)
    path.write_bytes(damage)
    store, notice = recovery.open_database(path)
    assert notice[0] == "corrupt_rebuilt"
    assert os.path.exists(notice[1]["moved"]) and open(notice[1]["moved"], "rb").read() == damage
    assert gia_lai(store) == {"a": 5.0, "b": 10.0}
    store.close()


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_database_cut_short_is_treated_as_corrupt_and_rebuilt(tmp_path, keep):
    """A file cut short makes DuckDB say 'Could not read enough bytes' (an IOException, at open or at the first
    read): it is moved aside and rebuilt like any corrupt file, never 'lỗi ngoài dự kiến' on every page."""
    path = tmp_path / "db.duckdb"
    _with_user_import(path)
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(int(size * keep))
    store, notice = recovery.open_database(path)
    assert notice[0] == "corrupt_rebuilt" and os.path.getsize(notice[1]["moved"]) == int(size * keep)
    assert gia_lai(store) == {"a": 5.0, "b": 10.0}
    store.close()


def test_read_only_database_opens_for_reading(tmp_path, monkeypatch):
    path = tmp_path / "db.duckdb"
    _with_user_import(path)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.W_OK and str(p).startswith(str(tmp_path))
                        else real_access(p, mode))  # the tests run as root, who may write anything
    store, notice = recovery.open_database(path)
    assert notice[0] == "read_only" and store.read_only
    assert gia_lai(store) == {"a": 5.0, "b": 10.0}
    with pytest.raises(DatabaseReadOnly):
        storage.plans.save_scenario(store, "x", DEFAULT_FRAMEWORK, "Gia Lai", 2025, "{}", who=WHO)
    store.close()


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_database_lost_while_running_refuses_the_next_write(tmp_path, how):
    path = tmp_path / "db.duckdb"
    _with_user_import(path)
    store, _ = recovery.open_database(path)
    assert gia_lai(store) == {"a": 5.0, "b": 10.0}
    path.unlink()
    if how == "replaced":
        other = Store(tmp_path / "other.duckdb")
        other.close()
        os.replace(tmp_path / "other.duckdb", path)
    fw = load_framework(DEFAULT_FRAMEWORK)
    parsed = importer.validate(store, fw, csv_of(6), "sau.csv")
    with pytest.raises(DatabaseLost):
        importer.commit(store, parsed, fw, imported_by=WHO)
    with pytest.raises(DatabaseLost):
        storage.plans.save_scenario(store, "x", DEFAULT_FRAMEWORK, "Gia Lai", 2025, "{}", who=WHO)
    assert store.lost()
    assert path.exists() == (how == "replaced")  # a deleted file is never silently recreated
    if how == "deleted":
        assert gia_lai(store) == {"a": 5.0, "b": 10.0}  # reading goes on from the snapshot
    store.close()


def test_backup_then_rebuild_with_one_command(tmp_path):
    path = tmp_path / "db.duckdb"
    iid = _with_user_import(path)
    store = Store(path)
    storage.inputs.rollback_import(store, iid, WHO, "thử")
    store.close()
    out = tmp_path / "sao_luu"
    run = subprocess.run([sys.executable, "-m", "office.recovery", "export", "--db", str(path), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (out / "imports.csv").exists() and len(list((out / "imports").glob("*.parquet"))) == 1
    run = subprocess.run([sys.executable, "-m", "office.recovery", "rebuild", "--db", str(path), "--from", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert list(tmp_path.glob("db.duckdb.cu-*"))  # the old file kept aside
    store = Store(path)
    log = storage.inputs.import_log(store)
    mine = log.loc[log["file_name"] == "cua_toi.csv"].iloc[0]
    assert mine["imported_by"] == WHO and mine["rolled_back_by"] == WHO
    assert gia_lai(store) == {}  # still rolled back
    assert len(storage.inputs.import_rows(store, int(mine["import_id"]))) == 2
    assert list(storage.plans.scenarios(store, DEFAULT_FRAMEWORK)["name"]) == ["giữ"]
    store.close()


# --- the app explains faults in Vietnamese -------------------------------------------------------------

def _app(tmp_path, monkeypatch, db):
    monkeypatch.setenv("DTI_STUDIO_DB", str(db))
    monkeypatch.setenv("DTI_STUDIO_RAISE", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=120)


def test_app_explains_a_rebuilt_corrupt_database(tmp_path, monkeypatch):
    db = tmp_path / "app.duckdb"
    _with_user_import(db)
    db.write_bytes(b"garbage" * 100)
    at = _app(tmp_path, monkeypatch, db)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("bị hỏng khi khởi động" in w.value for w in at.warning)
    st.cache_resource.clear()


def test_a_fault_in_the_shared_controls_is_explained_not_raised(tmp_path, monkeypatch):
    from dashboard import data
    from storage.errors import DatabaseBusy

    at = _app(tmp_path, monkeypatch, tmp_path / "app.duckdb")

    def busy():
        raise DatabaseBusy("lock", "x")

    monkeypatch.setattr(data, "framework_ids", busy)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Cơ sở dữ liệu đang bận" in e.value for e in at.error)
    st.cache_resource.clear()


# --- safe output --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("+84 90", "'+84 90"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Gia Lai", "Gia Lai"), ("", ""), ("a=b", "a=b"),
])
def test_downloads_neutralise_formula_cells(cell, written):
    from dashboard import tables

    frame = pd.DataFrame({"Tên": [cell], "Điểm": [-1.5]})
    assert neutralise_frame(frame)["Tên"].iloc[0] == written
    assert neutralise_frame(frame)["Điểm"].iloc[0] == -1.5  # numbers stay numbers
    csv = pd.read_csv(io.BytesIO(tables.to_csv_bytes(frame, "en")), encoding="utf-8-sig", keep_default_na=False)
    assert str(csv["Tên"].iloc[0]) == written.replace("\r", "") or str(csv["Tên"].iloc[0]).startswith("'")
    ws = openpyxl.load_workbook(io.BytesIO(tables.to_excel_bytes(frame))).active
    assert (ws.cell(2, 1).value or "") == written and ws.cell(2, 2).value == -1.5
    assert ws.cell(2, 1).data_type != "f"


def test_rebuild_keeps_the_rounds_and_their_ids(tmp_path):
    """A database lost after an appraisal round was closed comes back from the backup with its accounts,
    round, values, decisions and events; the round's imports point to the re-imported figures; new ids
    drawn after the rebuild do not collide with the restored ones."""
    sys.path.insert(0, str(ROOT / "data" / "sample"))
    from datetime import date

    from generate_round_sample import DEFAULT_NOW, build_sample_round

    from office import appraisal as ap
    from office import round_accounts
    from office import council
    from scoring import load_framework

    path = tmp_path / "db.duckdb"
    store, _ = recovery.open_database(path)
    out = build_sample_round(store)
    fw = load_framework("hue_units")
    rid = out["round_id"]
    office = {"name": "Cán bộ Văn phòng", "role": "editor", "account": None, "unit": None}
    for member in out["members"]:   # the criteria the council itself scores have no self value to keep
        q = council.queue(store, fw, rid, member, now=DEFAULT_NOW)
        states = ap.unit_status(store, rid, now=DEFAULT_NOW)
        q = q.loc[(q["scored_by"] != "unit") & q["unit"].isin(states.loc[states["status"] == "submitted", "unit"])]
        council.decide_many(store, fw, rid, [(u, c, {v: 5.0 for v in g["variable"]}, "Hội đồng chấm (mẫu)")
                                             for (u, c), g in q.groupby(["unit", "code"], sort=False)],
                            member, now=DEFAULT_NOW)
    ap.close_round(store, fw, rid, office, keep_self_for_undecided=True, now=DEFAULT_NOW)
    group = "commune@Huế"
    before = {t: store.query(f"SELECT * FROM {t}") for t in backup.WHOLE_TABLES}
    appraised = storage.inputs.current_inputs(store, "hue_units", group, "appraised", "sample")
    gap = ap.gap(store, fw, rid)
    store.close()
    path.unlink()

    store, notice = recovery.open_database(path)
    assert notice[0] == "missing_rebuilt"
    for table in backup.WHOLE_TABLES:
        if table == "appraisal_rounds":
            continue
        pd.testing.assert_frame_equal(store.query(f"SELECT * FROM {table}"), before[table], check_dtype=False)
    info = store.query("SELECT * FROM appraisal_rounds WHERE round_id = ?", [rid]).iloc[0]
    ids = set(storage.inputs.import_log(store)["import_id"])
    assert int(info["self_import_id"]) in ids and int(info["appraised_import_id"]) in ids
    got = storage.inputs.current_inputs(store, "hue_units", group, "appraised", "sample")
    cols = ["entity", "year", "indicator", "variable", "value"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), appraised[cols].reset_index(drop=True))
    pd.testing.assert_frame_equal(ap.gap(store, fw, rid), gap)
    account = out["accounts"].iloc[0]
    assert round_accounts.authenticate(store, account["account"], out["passwords"][account["account"]]) is not None
    # new rows after the rebuild: a new round and its history rows take fresh ids
    units = sorted(storage.units.units(store, "Huế", "commune")["name"])[:2]
    new = ap.open_round(store, fw, "Huế", "commune", 2027, date(2027, 12, 15), "Vòng sau khôi phục", units, False,
                        office, now=DEFAULT_NOW)
    assert new > rid
    council.assign(store, new, {"I.1": None}, office, now=DEFAULT_NOW)
    assert store.query("SELECT count(*) n, count(DISTINCT seq) d FROM appraisal_assignments").iloc[0].tolist()[0] == \
        store.query("SELECT count(DISTINCT seq) d FROM appraisal_assignments").iloc[0, 0]


def test_a_round_write_refreshes_only_the_tables_it_wrote(tmp_path):
    """Deadline day: a unit's save rewrites its own tables in the backup (values, change log), not the twenty
    others; a write whose tables are not known, or a backup folder not yet complete, refreshes everything."""
    path = tmp_path / "db.duckdb"
    store, _ = recovery.open_database(path)
    folder = backup.backup_dir(path)
    backup.export(store)
    files = {f.name: f.stat().st_mtime_ns for f in (folder / "tables").glob("*.parquet")}
    time.sleep(0.01)
    storage.appraisal.appraisal_record(store, 1, {"appraisal_notes": pd.DataFrame(
        {"unit": ["Xã A"], "indicator": ["I.1"], "kind": ["explanation"], "text": ["ghi chú"]})},
        who="Kiểm thử", action="note", target="1/Xã A")
    changed = {n for n, t in files.items() if (folder / "tables" / n).stat().st_mtime_ns != t}
    assert changed == {"appraisal_notes.parquet"}
    assert "Xã A" in pd.read_parquet(folder / "tables" / "appraisal_notes.parquet")["unit"].tolist()
    assert "note" in pd.read_csv(folder / "change_log.csv")["action"].tolist()
    store.close()


def test_a_round_write_keeps_the_pages_caches(tmp_path):
    """The data version keys every cached page computation: a unit's save in a round leaves it (no cache reads
    the round's history), a deadline change or any other write moves it."""
    store, _ = recovery.open_database(tmp_path / "db.duckdb")
    before = store.data_version()
    note = {"appraisal_notes": pd.DataFrame({"unit": ["Xã A"], "indicator": ["I.1"], "kind": ["explanation"],
                                              "text": ["ghi chú"]})}
    storage.appraisal.appraisal_record(store, 1, note, who="Kiểm thử", action="note", target="1/Xã A")
    assert store.data_version() == before
    storage.appraisal.appraisal_record(store, 1, note, who="Kiểm thử", action="deadline", target="1",
                                       deadline=pd.Timestamp("2026-12-31"))
    assert store.data_version() == before + 1
    storage.plans.save_effort_weights(store, DEFAULT_FRAMEWORK, {"1.1": 2.0}, who="Kiểm thử")
    assert store.data_version() == before + 2
    store.close()
