"""Automatic sources (issue 20): a real HTTP server on 127.0.0.1 serving CSV, Excel and JSON, and its faults;
a folder source with a file still being written; the scheduled command run twice."""
import io
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pandas as pd
import pytest

import storage.inputs
import storage.sources
from loaders import limits
from office import sources
from tests.conftest import ROOT

FW = "dti_province_2025"
EDITOR = "Cán bộ kiểm thử"
FAST = {"timeout": 0.5, "retries": 2, "backoff": 0.05}


def csv_body(a=600, b=1000, a_name="so_nguoi"):
    return f"tinh,nam,{a_name},tong\nGia Lai,2025,{a},{b}\nHuế,2025,300,{b}\n".encode()


def xlsx_body(a=700, b=1000):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["tinh", "nam", "so_nguoi", "tong"])
    ws.append(["Gia Lai", 2025, a, b])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def json_body(a=800, b=1000):
    return json.dumps({"data": {"items": [{"tinh": "Gia Lai", "nam": 2025, "so_nguoi": a, "tong": b}]}}).encode()


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    seen_headers: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.seen_headers.append(dict(self.headers))
        path = self.path.split("?")[0]
        if path == "/hang":
            time.sleep(2.0)
        if path == "/redirect-away":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/data.csv")
            self.end_headers()
            return
        if path == "/redirect-same":
            self.send_response(302)
            self.send_header("Location", "/data.csv")
            self.end_headers()
            return
        if path == "/error":
            self.send_response(500)
            self.end_headers()
            return
        body = Handler.routes.get(path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def routes():
    Handler.routes = {"/data.csv": csv_body(), "/data.xlsx": xlsx_body(), "/data.json": json_body(),
                      "/bad.json": b'{"data": {"items": [ {"tinh": "Gia Lai",, } ] }',
                      "/renamed.csv": csv_body(a_name="so_nguoi_dung"), "/big.csv": b"x" * 5000}
    Handler.seen_headers = []
    yield


MAPPING = {"entity": {"column": "tinh"}, "year": {"column": "nam"},
           "fields": [{"field": "so_nguoi", "indicator": "1.1", "variable": "a"},
                      {"field": "tong", "indicator": "1.1", "variable": "b"}]}


def register(store, name, location, fmt="csv", kind="url", json_path=None, every=60, secret=None, mapping=MAPPING):
    storage.sources.save_source(store, {
        "name": name, "kind": kind, "location": location, "format": fmt, "json_path": json_path, "secret": secret,
        "every_minutes": every, "framework_id": FW, "entity_group": "34",
        "mapping_json": json.dumps(mapping, ensure_ascii=False), "enabled": True}, who=EDITOR)


def gia_lai(store):
    cur = storage.inputs.current_inputs(store, FW, "34", "self", "own")
    row = cur.loc[(cur["entity"] == "Gia Lai") & (cur["year"] == 2025) & (cur["indicator"] == "1.1")]
    return dict(zip(row["variable"], row["value"])), set(row["flag"])


def n_imports(store):
    return len(storage.inputs.import_log(store))


@pytest.mark.parametrize("path, fmt, json_path, a", [
    ("/data.csv", "csv", None, 600.0), ("/data.xlsx", "xlsx", None, 700.0), ("/data.json", "json", "data.items", 800.0),
])
def test_each_format_is_pulled_through_the_users_file_gate(store, server, path, fmt, json_path, a):
    register(store, "nguồn", server + path, fmt, json_path=json_path)
    [r] = sources.sync(store, {}, name="nguồn", **FAST)
    assert r.status == "ok", r.detail
    values, flags = gia_lai(store)
    assert values == {"a": a, "b": 1000.0} and flags == {"automatic"}
    info = storage.inputs.import_info(store, r.import_id)
    assert info["flag"] == "automatic" and info["flag_source"] == "nguồn" and info["form"] == "source"
    run = storage.sources.runs(store, "nguồn").iloc[0]
    assert run["status"] == "ok" and int(run["import_id"]) == r.import_id
    # the SAMPLE dataset has Gia Lai 2025 1.1 too: a real import is never compared with it
    assert storage.inputs.import_diff(store, r.import_id)["previous_value"].isna().all()


FAULTS = [  # path, expected problem, words that must be in the message
    ("/error", "server_error", "500"),
    ("/hang", "timeout", "không trả lời"),
    ("/bad.json", "bad_json", "dòng 1"),
    ("/renamed.csv", "format_changed", "so_nguoi"),
    ("/redirect-away", "redirect_other_host", "localhost"),
    ("/missing.csv", "client_error", "404"),
]


@pytest.mark.parametrize("path, problem, word", FAULTS)
def test_each_fault_gives_its_message_writes_nothing_and_the_others_still_pull(store, server, path, problem, word):
    fmt = "json" if path.endswith(".json") else "csv"
    register(store, "a-hỏng", server + path, fmt, json_path="data.items")
    register(store, "b-tốt", server + "/data.csv")
    before = n_imports(store)
    results = {r.name: r for r in sources.sync(store, {}, **FAST)}
    assert results["a-hỏng"].status == "failed" and results["a-hỏng"].problem == problem
    assert word in results["a-hỏng"].detail
    assert results["b-tốt"].status == "ok"
    assert n_imports(store) == before + 1                       # only the good source wrote
    failed = storage.sources.runs(store, "a-hỏng").iloc[0]
    assert failed["status"] == "failed" and pd.isna(failed["import_id"])


def test_a_payload_over_the_limit_is_not_read(store, server, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 1000)
    register(store, "to", server + "/big.csv")
    [r] = sources.sync(store, {}, **FAST)
    assert r.problem == "too_large" and "MB" in r.detail


def test_a_redirect_on_the_same_host_is_followed(store, server):
    register(store, "chuyển", server + "/redirect-same")
    [r] = sources.sync(store, {}, **FAST)
    assert r.status == "ok"


def test_only_http_and_https_addresses(store):
    register(store, "tệp", "file:///etc/passwd")
    [r] = sources.sync(store, {}, **FAST)
    assert r.problem == "bad_url" and "http" in r.detail


def test_values_refused_by_the_validator_are_named_by_record_and_field(store, server):
    Handler.routes["/data.csv"] = csv_body(a=1500, b=1000)          # part larger than its whole
    register(store, "lệch", server + "/data.csv")
    before = n_imports(store)
    [r] = sources.sync(store, {}, **FAST)
    assert r.problem == "refused" and "bản ghi 1" in r.detail and "so_nguoi" in r.detail
    assert n_imports(store) == before


def test_a_token_comes_from_the_secrets_only_and_is_never_shown(store, server):
    register(store, "có mã", server + "/error", secret="cong_dvc")
    [r] = sources.sync(store, {}, **FAST)
    assert r.problem == "missing_secret"
    secrets = {"dti_studio": {"sources": {"cong_dvc": "BI-MAT-123"}}}
    [r] = sources.sync(store, secrets, name="có mã", **FAST)
    assert Handler.seen_headers[-1].get("Authorization") == "Bearer BI-MAT-123"
    assert "BI-MAT" not in r.detail
    assert "BI-MAT" not in storage.sources.runs(store).to_csv() and "BI-MAT" not in storage.sources.sources(store).to_csv()


def test_a_second_pull_without_change_writes_nothing_and_a_change_is_a_diff_and_undoable(store, server):
    register(store, "dvc", server + "/data.csv")
    [first] = sources.sync(store, {}, **FAST)
    [second] = sources.sync(store, {}, name="dvc", **FAST)
    assert first.status == "ok" and second.status == "unchanged" and second.import_id is None
    assert "không ghi gì" in second.detail.lower()
    Handler.routes["/data.csv"] = csv_body(a=650)
    [third] = sources.sync(store, {}, name="dvc", **FAST)
    assert third.status == "ok" and third.n_changed == 1
    diff = storage.inputs.import_diff(store, third.import_id)
    row = diff.loc[(diff["entity"] == "Gia Lai") & (diff["variable"] == "a")].iloc[0]
    assert (row["value"], row["previous_value"]) == (650.0, 600.0)
    storage.inputs.rollback_import(store, third.import_id, EDITOR, "kiểm thử")
    assert gia_lai(store)[0]["a"] == 600.0


def test_a_dry_run_writes_nothing(store, server):
    register(store, "thử", server + "/data.csv")
    before = n_imports(store)
    [r] = sources.sync(store, {}, dry_run=True, **FAST)
    assert r.status == "dry_run" and r.n_changed == 4 and n_imports(store) == before
    assert storage.sources.runs(store).empty


def test_only_due_sources_are_pulled(store, server):
    register(store, "giờ", server + "/data.csv", every=60)
    assert [r.status for r in sources.sync(store, {}, **FAST)] == ["ok"]
    assert sources.sync(store, {}, **FAST) == []                      # pulled a moment ago: not due
    later = pd.Timestamp.now(tz="UTC").tz_localize(None).to_pydatetime() + pd.Timedelta(minutes=61)
    assert [r.status for r in sources.sync(store, {}, now=later, **FAST)] == ["unchanged"]


def test_percent_conversion_to_the_ratio_the_framework_reads():
    mapping = sources.Mapping.from_json(json.dumps({
        "entity": {"fixed": "Gia Lai"}, "year": {"fixed": 2025},
        "fields": [{"field": "ty_le", "indicator": "x", "variable": "v", "convert": "percent"}]}))
    frame = pd.DataFrame({"ty_le": ["89,6", "89,6%", None, ""]})
    body, origin = sources.long_table(frame, mapping)
    rows = body.decode().strip().splitlines()[1:]
    assert [r.split(",")[-1] for r in rows] == [repr(0.896), repr(0.896)] and origin == [(1, "ty_le"), (2, "ty_le")]


def test_folder_source_skips_a_file_still_being_written(store, tmp_path):
    folder = tmp_path / "xuat"
    folder.mkdir()
    register(store, "thư mục", str(folder), kind="folder")
    [r] = sources.sync(store, {}, settle_seconds=5, **FAST)
    assert r.problem == "no_file"
    (folder / "bao_cao.csv").write_bytes(csv_body(a=610))               # written just now: still being written
    [r] = sources.sync(store, {}, name="thư mục", settle_seconds=5, **FAST)
    assert r.problem == "writing" and "bao_cao.csv" in r.detail
    old = time.time() - 60
    os.utime(folder / "bao_cao.csv", (old, old))                        # finished a minute ago
    (folder / "bao_cao_moi.csv.part").write_bytes(b"tinh,nam")          # the next export, half-written
    [r] = sources.sync(store, {}, name="thư mục", settle_seconds=5, **FAST)
    assert r.status == "ok" and gia_lai(store)[0]["a"] == 610.0


def test_status_table_says_last_success_failure_next_run_and_staleness(store, server):
    register(store, "ổn", server + "/data.csv", every=60)
    register(store, "hỏng", server + "/error", every=60)
    sources.sync(store, {}, **FAST)
    t = sources.status_table(store).set_index("name")
    assert pd.notna(t.loc["ổn", "last_success"]) and not t.loc["ổn", "stale"]
    assert pd.isna(t.loc["hỏng", "last_success"]) and t.loc["hỏng", "stale"]
    assert "500" in t.loc["hỏng", "last_failure_detail"]
    assert t.loc["ổn", "next_run"] > t.loc["ổn", "last_run"]


def test_criteria_fed_by_a_source(store, server):
    register(store, "dvc", server + "/data.csv")
    assert sources.fed_criteria(store, FW) == {"1.1": "dvc"}
    assert sources.fed_criteria(store, "hue_units") == {}


def test_the_scheduled_command_twice(server, tmp_path):
    """`python -m office.sync` for cron: the second run writes nothing when nothing changed."""
    from office.recovery import open_database

    db = tmp_path / "lich.duckdb"
    store, _ = open_database(db)
    register(store, "lịch", server + "/data.csv")
    store.close()
    env = {**os.environ, "DTI_STUDIO_SECRETS": str(tmp_path / "none.toml")}
    runs = [subprocess.run([sys.executable, "-m", "office.sync", "--db", str(db), "--source", "lịch"],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=120) for _ in range(2)]
    assert runs[0].returncode == 0 and "[ĐÃ GHI] lịch" in runs[0].stdout, runs[0].stderr
    assert runs[1].returncode == 0 and "[KHÔNG ĐỔI] lịch" in runs[1].stdout
    bad = subprocess.run([sys.executable, "-m", "office.sync", "--db", str(db), "--source", "không có"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert bad.returncode == 1 and "Không có nguồn" in bad.stderr
