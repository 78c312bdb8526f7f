"""Load check: many browser sessions reading while imports run in another process, on one database.

Loopback only and bounded: starts its own Streamlit server on 127.0.0.1 (a temp database), opens
`--sessions` real sessions over the server's websocket (what a browser does), each running `--rounds`
page runs through the pages, while a separate process imports `--imports` files into the same database
file. Reports errors (exceptions, error boxes, failed or timed-out runs, failed imports; target 0) and the
page-run times (send → script finished) as percentiles. Stops by itself after `--max-seconds`.

    /work/main/.venv/bin/python bench/bench_load.py --sessions 20 --rounds 3 --imports 10 --port 8621
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "rankings", "pillars", "trends", "data", "methodology")

IMPORTER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from office import imports as importer
    from storage.db import Store
    from scoring import load_framework
    store = Store({db!r})
    fw = load_framework("dti_province_2025")
    ok = failed = 0
    times = []
    for j in range({n}):
        content = ("entity,year,indicator,variable,value\\n"
                   "Gia Lai,2026,1.1,a,%d\\nGia Lai,2026,1.1,b,1000\\n" % (100 + j)).encode()
        t = time.perf_counter()
        try:
            _, iid = importer.import_file(store, fw, content, "tai_%d.csv" % j, imported_by="bench")
            ok += iid is not None
            failed += iid is None
        except Exception as exc:
            failed += 1
            print("import failed:", type(exc).__name__, exc, file=sys.stderr)
        times.append(time.perf_counter() - t)
        time.sleep({pause})
    print(ok, failed, max(times) if times else 0.0)
""")


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    v = sorted(values)

    def q(p):
        return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]

    return {"p50": q(50), "p90": q(90), "p95": q(95), "p99": q(99), "max": v[-1]}


async def run_page(ws, page_hash: str, timeout: float):
    """One page run; returns (seconds, error or None)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = page_hash
    start = time.perf_counter()
    await ws.send(msg.SerializeToString())
    error = None
    while True:
        data = await asyncio.wait_for(ws.recv(), timeout)
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            what = el.WhichOneof("type")
            if what == "exception":
                error = f"exception: {el.exception.message[:120]}"
            elif what == "alert" and el.alert.format == el.alert.ERROR:
                error = f"error box: {el.alert.body[:120]}"
        if kind == "script_finished":
            if fm.script_finished not in (fm.FINISHED_SUCCESSFULLY, fm.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                error = error or f"script finished with status {fm.script_finished}"
            return time.perf_counter() - start, error


async def discover_pages(url: str, timeout: float) -> dict[str, str]:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url, max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        await ws.send(msg.SerializeToString())
        pages = {}
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
            if fm.WhichOneof("type") == "navigation":
                pages = {p.url_pathname or "overview": p.page_script_hash for p in fm.navigation.app_pages}
            if fm.WhichOneof("type") == "script_finished":
                return pages


async def session(k: int, url: str, pages: dict[str, str], rounds: int, timeout: float, out: list, errors: list):
    import websockets

    try:
        async with websockets.connect(url, max_size=None) as ws:
            for r in range(rounds):
                name = PAGES[(k + r) % len(PAGES)]
                seconds, error = await run_page(ws, pages.get(name, ""), timeout)
                out.append(seconds)
                if error:
                    errors.append(f"session {k} {name}: {error}")
    except Exception as exc:  # noqa: BLE001 — every failure is counted and reported
        errors.append(f"session {k}: {type(exc).__name__}: {exc}")


def wait_health(port: int, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--imports", type=int, default=10)
    ap.add_argument("--port", type=int, default=8621)
    ap.add_argument("--page-timeout", type=float, default=120.0)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    if not (1 <= args.sessions <= 50 and 1 <= args.rounds <= 10 and 0 <= args.imports <= 100):
        ap.error("bounded: sessions 1–50, rounds 1–10, imports 0–100")
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="dti_bench_load_")
    db = str(Path(tmp) / "bench.duckdb")
    from office.recovery import open_database as open_with_recovery

    store, _ = open_with_recovery(db)  # shipped data in place before the server starts
    store.close()
    env = dict(os.environ, DTI_STUDIO_DB=db)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(args.port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(Path(tmp) / "server.log", "w"))
    importer = None
    try:
        if not wait_health(args.port, 60):
            print("server did not start", file=sys.stderr)
            return 2
        url = f"ws://127.0.0.1:{args.port}/_stcore/stream"
        t0 = time.perf_counter()
        pages = asyncio.run(discover_pages(url, args.page_timeout))  # also warms the server's caches
        warm = time.perf_counter() - t0
        importer = subprocess.Popen([sys.executable, "-c", IMPORTER.format(root=str(ROOT), db=db, n=args.imports,
                                                                           pause=0.5)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        times: list[float] = []
        errors: list[str] = []

        async def all_sessions():
            await asyncio.wait_for(asyncio.gather(*[
                session(k, url, pages, args.rounds, args.page_timeout, times, errors)
                for k in range(args.sessions)]), args.max_seconds)

        t1 = time.perf_counter()
        try:
            asyncio.run(all_sessions())
        except asyncio.TimeoutError:
            errors.append(f"stopped after {args.max_seconds:.0f} s")
        wall = time.perf_counter() - t1
        try:
            out, err = importer.communicate(timeout=max(10.0, args.max_seconds - wall))
            ok, failed, slowest = out.split()
        except (subprocess.TimeoutExpired, ValueError):
            importer.kill()
            ok, failed, slowest, err = "0", str(args.imports), "nan", "importer did not finish"
        if int(failed):
            errors.append(f"{failed} import(s) failed: {err.strip()[:300]}")
        figures = {
            "sessions": args.sessions, "page_runs": len(times), "rounds": args.rounds, "imports_ok": int(ok),
            "imports_failed": int(failed), "slowest_import_s": float(slowest), "errors": len(errors),
            "wall_s": round(wall, 1), "first_run_s": round(warm, 2),
            **{k: round(v, 3) for k, v in percentiles(times).items()},
        }
        print(json.dumps(figures, ensure_ascii=False))
        for e in errors[:20]:
            print("ERROR", e)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0 if not errors else 1
    finally:
        if importer is not None and importer.poll() is None:
            importer.kill()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    raise SystemExit(main())
