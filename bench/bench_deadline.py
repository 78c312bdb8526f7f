"""Deadline day of an appraisal round (issue 18): many unit sessions saving and submitting while viewers browse.

On the README's server (`scripts/serve.py`, one process) on 127.0.0.1 with a temporary database: a commune round of
`--units` units (hue_units, their drafts saved on earlier days by the service, as a round's last day finds them).
Then, over `--minutes`, each unit's session opens a websocket (what a browser does, no browser), signs in through
the sidebar box, opens its form, changes one value and saves, then submits; start times are spread evenly over the
window. Meanwhile `--viewers` sessions of council members sign in and browse the round's pages (the queue, the
round's progress, the units page) in a loop. Reports p50 / p90 / max of each action (send → script finished) and
errors (exception elements, error boxes, timeouts). Loopback only, bounded in count and time; stops by itself.

    .venv/bin/python bench/bench_deadline.py [--units 150] [--viewers 20] [--minutes 10] [--port 8631]
                                             [--think 2-6] [--arrive 60] [--servers 1]

`--think A-B`: a viewer reads each page A to B seconds before the next click (2-6: a stress; 10-30: reading).
`--arrive S`: viewers sign in one after another over the first S seconds (people open the page over a minute,
not in the same second); 0 = all at once, a stress of the sign-in (argon2id, deliberately slow) alone.
`--servers N`: N server processes on ports port … port+N-1 sharing the database file (the storage layer's
writer lock and snapshots); a session stays on one of them, as behind a sticky load balancer.

Widgets are found by their keys (the sidebar's `auth_name`, `auth_password`, `auth_submit`; the form's save and
submit buttons) — the same keys the pages give them — and set the way the browser sets them (widget states).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import readme_server  # noqa: E402

PROVINCE = "Huế"
SAMPLE = ROOT / "data" / "sample" / "SAMPLE_units_inputs_hue_units.csv"


# --- a minimal Streamlit websocket client ------------------------------------------------------------------

class Session:
    """One browser tab without a browser: runs pages, remembers the widgets it saw, sets values, clicks."""

    def __init__(self, ws, pages: dict[str, str]):
        self.ws, self.pages = ws, pages
        self.widgets: dict[str, tuple[str, object]] = {}   # key suffix -> (widget id, element proto)
        self.states: dict[str, object] = {}                 # widget id -> WidgetState kept (non-trigger)
        self.page_hash = ""
        self.texts: list[str] = []

    async def run(self, page: str | None = None, set_values: dict | None = None, click: str | None = None,
                  timeout: float = 120.0) -> tuple[float, str | None]:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if page is not None:
            self.page_hash = self.pages.get(page, "")
            self.widgets = {}
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = self.page_hash
        for key, value in (set_values or {}).items():
            wid = self.widgets[key][0]
            ws_ = WidgetState(id=wid)
            if isinstance(value, bool):
                ws_.bool_value = value
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ws_.double_value = float(value)
            else:
                ws_.string_value = str(value)
            self.states[wid] = ws_
        for s in self.states.values():
            msg.rerun_script.widget_states.widgets.append(s)
        if click is not None:
            msg.rerun_script.widget_states.widgets.append(WidgetState(id=self.widgets[click][0], trigger_value=True))
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        error = None
        self.texts = []
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout))
            kind = fm.WhichOneof("type")
            if kind == "navigation" and not self.pages:
                self.pages.update({p.url_pathname or "overview": p.page_script_hash for p in fm.navigation.app_pages})
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                what = el.WhichOneof("type")
                proto = getattr(el, what)
                wid = getattr(proto, "id", "")
                if wid:
                    self.widgets[wid.rsplit("-", 1)[-1]] = (wid, proto)
                if what == "exception":
                    error = f"exception: {el.exception.message[:120]}"
                elif what == "alert":
                    self.texts.append(el.alert.body)
                    if el.alert.format == el.alert.ERROR:
                        error = f"error box: {el.alert.body[:160]}"
            if kind == "script_finished":
                if fm.script_finished == fm.FINISHED_EARLY_FOR_RERUN:
                    continue  # the page asked for a rerun (st.rerun after a save): the action ends with it
                if fm.script_finished not in (fm.FINISHED_SUCCESSFULLY, fm.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    error = error or f"script finished with status {fm.script_finished}"
                return time.perf_counter() - start, error


async def signed_in(url: str, login: str, password: str, times: dict, errors: list, who: str):
    import websockets

    ws = await websockets.connect(url, max_size=None)
    s = Session(ws, {})
    t, err = await s.run()
    times.setdefault("first page", []).append(t)
    t, err = await s.run(set_values={"auth_name": login, "auth_password": password}, click="auth_submit")
    times.setdefault("sign in", []).append(t)
    if err:
        errors.append(f"{who} sign in: {err}")
    s.states = {}  # the sign-in box is gone once signed in
    return ws, s


def first_value_key(s: Session) -> str | None:
    """A number box of the form (its key ends with a variable name; not the explanation nor the group picker)."""
    for key, (wid, proto) in s.widgets.items():
        if key.startswith("sa_") and type(proto).__name__ == "TextInput" and not key.endswith(("_ex", "_reply")) \
                and "_ev_" not in key:
            return key
    return None


async def unit_session(url, delay, account, times, errors, deadline):
    await asyncio.sleep(delay)
    try:
        ws, s = await signed_in(url, account["account"], account["password"], times, errors, account["unit"])
        async with ws:
            t, err = await s.run(page="self_assessment")
            times.setdefault("open form", []).append(t)
            if err:
                errors.append(f"{account['unit']} open: {err}")
            key = first_value_key(s)
            if key is None:
                errors.append(f"{account['unit']}: no value box found on the form")
                return
            save = next((k for k in s.widgets if k.endswith("save")), None)
            t, err = await s.run(set_values={key: str(random.randint(1, 9))}, click=save)
            times.setdefault("save", []).append(t)
            if err:
                errors.append(f"{account['unit']} save: {err}")
            submit = next((k for k in s.widgets if k.endswith("submit") and k.startswith("sa_")), None)
            t, err = await s.run(click=submit)
            times.setdefault("submit", []).append(t)
            if err:
                errors.append(f"{account['unit']} submit: {err}")
    except Exception as exc:  # noqa: BLE001 — counted and reported
        errors.append(f"{account['unit']}: {type(exc).__name__}: {exc}")


THINK = (2.0, 6.0)  # seconds a viewer reads a page (--think)


async def viewer_session(url, k, account, times, errors, stop_at, arrive: float = 0.0):
    pages = ("appraisal", "round", "units")
    await asyncio.sleep(arrive)
    try:
        ws, s = await signed_in(url, account["account"], account["password"], times, errors, f"viewer {k}")
        async with ws:
            i = k
            while time.time() < stop_at:
                page = pages[i % len(pages)]
                t, err = await s.run(page=page)
                times.setdefault(f"viewer: {page}", []).append(t)
                if err:
                    errors.append(f"viewer {k} {page}: {err}")
                i += 1
                await asyncio.sleep(random.uniform(*THINK))   # a person reads before the next click
    except Exception as exc:  # noqa: BLE001
        errors.append(f"viewer {k}: {type(exc).__name__}: {exc}")


def prepare(db: Path, n_units: int):
    """The round as its last day finds it: units with their drafts saved, accounts issued."""
    import storage.units
    from office import appraisal as ap
    from office import self_assessment
    from office import round_accounts
    from office import council
    from office import round_rules
    from office.recovery import open_database
    from scoring import load_framework

    store, _ = open_database(db)
    fw = load_framework("hue_units")
    view = fw.for_level("commune")
    names = [f"Xã Hạn Chót {i:03d}" for i in range(1, n_units + 1)]
    storage.units.save_units(store, PROVINCE, pd.DataFrame({"name": names, "level": "commune"}),
                             file_name="bench.csv", sha256="bench-deadline", flag="self_assessed",
                             imported_by="Người đo")
    editor = {"name": "Người đo", "role": "editor", "account": None, "unit": None}
    rid = ap.open_round(store, fw, PROVINCE, "commune", 2026, date.today() + timedelta(days=3), "Ngày hạn chót",
                        names, True, editor)
    rows = [{"role": "unit", "unit": n} for n in names] + [{"role": "council", "display_name": f"Thành viên {i}"}
                                                           for i in (1, 2)]
    issued = round_accounts.issue_accounts(store, PROVINCE, rows, editor)
    codes = [leaf.code for leaf in view.leaves]
    members = issued.loc[issued["role"] == "council", "account"].tolist()
    council.assign(store, rid, {c: members[i % 2] for i, c in enumerate(codes)}, editor, framework=fw)
    sample = pd.read_csv(SAMPLE)
    sample = sample.loc[(sample["year"] == 2026) & sample["entity"].str.match(r"^(Xã|Phường)")]
    own = round_rules.unit_codes(view)  # the council's and the automatic criteria are not the unit's to enter
    per_unit = [g[["indicator", "variable", "value"]].assign(not_applicable=False).reset_index(drop=True)
                for _, g in sample.groupby("entity")]
    per_unit = [v.loc[v["indicator"].isin(own)].reset_index(drop=True) for v in per_unit
                if len(v) == sum(len(leaf.variables) for leaf in view.leaves)]
    units = issued.loc[issued["role"] == "unit"].to_dict("records")
    for i, acc in enumerate(units):
        actor = {"name": acc["unit"], "role": "unit", "account": acc["account"], "unit": acc["unit"]}
        self_assessment.save_draft(store, fw, rid, acc["unit"], per_unit[i % len(per_unit)], actor)
    members = issued.loc[issued["role"] == "council"].to_dict("records")
    store.close()
    return units, members


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def percentiles(v):
    v = sorted(v)
    q = lambda p: v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]  # noqa: E731
    return q(50), q(90), v[-1]


def main() -> int:
    ap_ = argparse.ArgumentParser()
    ap_.add_argument("--units", type=int, default=150)
    ap_.add_argument("--viewers", type=int, default=20)
    ap_.add_argument("--minutes", type=float, default=10)
    ap_.add_argument("--port", type=int, default=8631)
    ap_.add_argument("--think", default="2-6")
    ap_.add_argument("--servers", type=int, default=1)
    ap_.add_argument("--arrive", type=float, default=60.0)
    args = ap_.parse_args()
    global THINK
    THINK = tuple(float(x) for x in args.think.split("-"))
    ports = [args.port + i for i in range(args.servers)]
    random.seed(20261207)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "deadline.duckdb"
        t0 = time.perf_counter()
        units, members = prepare(db, args.units + 2)
        units, reference_units = units[:args.units], units[args.units:]  # two units act alone first: the reference
        print(f"prepared {len(units)} units with drafts and {len(members)} council accounts "
              f"in {time.perf_counter() - t0:.1f} s")
        servers = [readme_server.start(db, port) for port in ports]
        try:
            for port in ports:
                readme_server.wait(port)
            urls = [f"ws://127.0.0.1:{port}/_stcore/stream" for port in ports]
            url = urls[0]
            times: dict[str, list[float]] = {}
            errors: list[str] = []
            window = args.minutes * 60
            stop_at = time.time() + window + 60

            async def everything():
                tasks = [unit_session(urls[i % len(urls)], i * window / max(1, len(units)), acc, times, errors,
                                      stop_at) for i, acc in enumerate(units)]
                tasks += [viewer_session(urls[k % len(urls)], k, members[k % len(members)], times, errors,
                                         time.time() + window, k * args.arrive / max(1, args.viewers))
                          for k in range(args.viewers)]
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=window + 600)

            async def alone():
                # The reference of this run: the same actions on the same server with nobody else on it.
                for acc in reference_units:
                    await unit_session(url, 0, acc, alone_times, errors, stop_at)
                await viewer_session(url, 0, members[0], alone_times, errors, time.time() + 15)

            alone_times: dict[str, list[float]] = {}
            asyncio.run(alone())
            started = time.perf_counter()
            asyncio.run(everything())
            wall = time.perf_counter() - started
            server_cpu = [cpu_seconds(server.pid) for server in servers]
            client_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
            procs = sum(subprocess.run(["pgrep", "-c", "-f", f"server.port {port}"], capture_output=True,
                                       text=True).stdout.strip() not in ("", "0") for port in ports)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
        from office import appraisal as ap
        from storage.db import Store

        store = Store(db, read_only=True)
        rid = int(ap.rounds(store).iloc[0]["round_id"])
        states = ap.unit_status(store, rid)
        submitted = int((states["status"] == "submitted").sum())
        store.close()
    print(f"\n{len(units)} unit sessions over {args.minutes:g} min, {args.viewers} viewers reading {args.think} s a "
          f"page, arriving over {args.arrive:g} s, {args.servers} server process(es) ({procs} running at the end); wall {wall:.0f} s; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"CPU over the run: servers {' + '.join(f'{c:.0f}' for c in server_cpu)} s, this client {client_cpu:.0f} s "
          f"({os.cpu_count()} cores x {wall:.0f} s = {os.cpu_count() * wall:.0f} core-seconds)")
    print("reference: the same action by one session alone on the same server, just before the crowd")
    print(f"{'action':<22}{'n':>6}{'p50 s':>9}{'p90 s':>9}{'max s':>9}{'alone s':>9}{'p90/alone':>10}")
    for action, v in times.items():
        p50, p90, mx = percentiles(v)
        ref = alone_times.get(action)
        ref50 = percentiles(ref)[0] if ref else float("nan")
        print(f"{action:<22}{len(v):>6}{p50:>9.3f}{p90:>9.3f}{mx:>9.3f}{ref50:>9.3f}{p90 / ref50:>10.1f}")
    total = len(units) + len(reference_units)
    print(f"units submitted in the database after the run: {submitted}/{total}")
    print(f"errors: {len(errors)}")
    for e in errors[:15]:
        print("  ", e)
    return 0 if not errors and submitted == total else 1


if __name__ == "__main__":
    sys.exit(main())
