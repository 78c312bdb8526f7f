"""Automatic sources: figures that arrive by themselves (issue 20).

A source is data (storage.sources): its kind (`url` — an http(s) address serving CSV, Excel or JSON; `folder` — a
folder on the server where another system drops its exports), how often to pull it, and a mapping from its
fields to a framework's variables. A pull goes through the same gate as a user's file:

    fetch (bounded: timeout, retries with backoff, size limit, TLS verified, no redirect to another host)
    → records (CSV / Excel / JSON at a path)          → the mapping (entity, year, field → indicator/variable,
    % → ratio)  → one long CSV  → office.imports.validate (the user's-file validator)  → compared with the
    current values  → one import, flag 'automatic' (source name and time), all or nothing — or nothing at all
    when nothing changed.

Every pull is recorded (storage.sources.record_run) with its outcome in Vietnamese words; one source's failure
never stops the others. `python -m office.sync` runs the due sources (for cron or a systemd timer).
Credentials come only from the secrets file ([dti_studio.sources] <name> = "token" or a table
{ header = "X-Api-Key", value = "…" }) and never reach a message, a log or the database.

Why one module: one pull is one pipeline (fetch → records → mapping → the user's-file validator →
compare → one import) whose steps hand each other the same few objects; each step is a plain function
tested on its own (tests/test_sources.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

import storage.inputs
import storage.sources
from loaders import limits
from loaders.parsing import load_catalog, parse_number
from office import imports
from scoring.framework import load_framework
from storage import db

KINDS = ("url", "folder")
FORMATS = ("csv", "xlsx", "json")
CONVERSIONS = ("none", "percent")      # percent: 89,6 (a percentage) → 0,896 (the ratio the framework reads)
DEFAULT_TIMEOUT = 20.0                 # seconds, per connection and per read
DEFAULT_RETRIES = 3                    # attempts in all, for a connection fault, a timeout or a 5xx
DEFAULT_BACKOFF = 1.0                  # seconds before the 2nd attempt; doubles each time
MAX_REDIRECTS = 3
SETTLE_SECONDS = 30                    # a dropped file changed this recently is still being written
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".filepart")
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SCHEDULER = "Lịch tự động"             # who pulls when no person does (the import log's "người nhập")


class SourceProblem(Exception):
    """A pull that cannot go on: a code of the catalog's [source] table and its parameters."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def words(code: str, lang: str = "vi", **params) -> str:
    """A source outcome in words (locales/<lang>/loader.toml, table [source])."""
    template = load_catalog(lang).get("source", {}).get(code) or load_catalog("vi")["source"].get(code, code)
    return template.format(**{k: _shown(v, lang) for k, v in params.items()})


def _shown(v, lang):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    text = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else text


def _size_words(n: int) -> str:
    return f"{_shown(n / 1024 / 1024, 'vi')} MB"


# --- the mapping ------------------------------------------------------------------------------------------

@dataclass
class Mapping:
    """entity: {"column": name} or {"fixed": "Gia Lai"}; year: {"column": name} or {"fixed": 2025};
    fields: [{"field": "tiep_nhan", "indicator": "1.1", "variable": "a", "convert": "none"|"percent"}]."""
    entity: dict
    year: dict
    fields: list[dict] = field(default_factory=list)

    @classmethod
    def from_json(cls, text: str) -> "Mapping":
        try:
            raw = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise SourceProblem("bad_mapping", detail=str(exc)) from None
        m = cls(entity=raw.get("entity") or {}, year=raw.get("year") or {}, fields=list(raw.get("fields") or []))
        m.check()
        return m

    def to_json(self) -> str:
        return json.dumps({"entity": self.entity, "year": self.year, "fields": self.fields}, ensure_ascii=False)

    def check(self, framework=None) -> None:
        for what, spec in (("entity", self.entity), ("year", self.year)):
            if not (isinstance(spec, dict) and (spec.get("column") or spec.get("fixed") not in (None, ""))):
                raise SourceProblem("bad_mapping", detail=f"{what}: cần “column” hoặc “fixed”")
        if not self.fields:
            raise SourceProblem("bad_mapping", detail="chưa có trường nào được ánh xạ")
        for f in self.fields:
            if not (f.get("field") and f.get("indicator") and f.get("variable")):
                raise SourceProblem("bad_mapping", detail=f"trường {f.get('field') or '?'}: cần field, indicator, variable")
            if f.get("convert", "none") not in CONVERSIONS:
                raise SourceProblem("bad_mapping", detail=f"trường {f['field']}: convert là none hoặc percent")
            if framework is not None:
                node = framework.nodes.get(str(f["indicator"])) if hasattr(framework, "nodes") else None
                if node is None or not getattr(node, "variables", None):
                    raise SourceProblem("bad_mapping", detail=f"không có chỉ số {f['indicator']} trong bộ chỉ số")
                if str(f["variable"]) not in {v.name for v in node.variables}:
                    raise SourceProblem("bad_mapping", detail=f"chỉ số {f['indicator']} không có biến {f['variable']}")

    def source_columns(self) -> list[str]:
        cols = [f["field"] for f in self.fields]
        cols += [spec["column"] for spec in (self.entity, self.year) if spec.get("column")]
        return list(dict.fromkeys(str(c) for c in cols))


# --- fetching ---------------------------------------------------------------------------------------------

@dataclass
class Fetched:
    content: bytes
    file_name: str


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the same scheme-and-host, at most MAX_REDIRECTS times."""

    def __init__(self, host: str):
        self.host, self.count = host, 0

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        if target.hostname != self.host or target.scheme not in ("http", "https"):
            raise SourceProblem("redirect_other_host", host=self.host, target=target.hostname or newurl)
        self.count += 1
        if self.count > MAX_REDIRECTS:
            raise SourceProblem("too_many_redirects", host=self.host)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _auth_header(secret: str | None, secrets: dict) -> dict[str, str]:
    if not secret:
        return {}
    value = ((secrets.get("dti_studio") or {}).get("sources") or {}).get(secret)
    if value is None:
        raise SourceProblem("missing_secret", secret=secret)
    if isinstance(value, dict):
        return {str(value.get("header") or "Authorization"): str(value.get("value") or "")}
    return {"Authorization": f"Bearer {value}"}


def fetch_url(url: str, *, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT,
              retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF,
              max_bytes: int | None = None) -> bytes:
    """The body at an http(s) address, within the limits; SourceProblem otherwise (never the headers in it)."""
    max_bytes = limits.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceProblem("bad_url", location=url)
    host = parts.hostname
    last: SourceProblem | None = None
    for attempt in range(1, max(1, retries) + 1):
        if attempt > 1:
            time.sleep(backoff * 2 ** (attempt - 2))
        opener = urllib.request.build_opener(
            _SameHostRedirects(host), urllib.request.HTTPSHandler(context=ssl.create_default_context()))
        request = urllib.request.Request(url, headers={"User-Agent": "DTI-Studio", **(headers or {})})
        try:
            with opener.open(request, timeout=timeout) as resp:
                declared = resp.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise SourceProblem("too_large", limit=_size_words(max_bytes))
                deadline = time.monotonic() + timeout * 3
                chunks, n = [], 0
                while True:
                    chunk = resp.read(64 * 1024)
                    if not chunk:
                        break
                    n += len(chunk)
                    if n > max_bytes:
                        raise SourceProblem("too_large", limit=_size_words(max_bytes))
                    if time.monotonic() > deadline:
                        raise socket.timeout("body too slow")
                    chunks.append(chunk)
                return b"".join(chunks)
        except SourceProblem:
            raise
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                last = SourceProblem("server_error", host=host, status=exc.code, attempts=attempt)
                continue
            raise SourceProblem("client_error", host=host, status=exc.code) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, SourceProblem):
                raise reason from None
            if isinstance(reason, ssl.SSLError):
                raise SourceProblem("tls", host=host, detail=type(reason).__name__) from None
            if isinstance(reason, (socket.timeout, TimeoutError)):
                last = SourceProblem("timeout", host=host, seconds=timeout, attempts=attempt)
            else:
                last = SourceProblem("connect", host=host, detail=str(getattr(reason, "strerror", "") or reason)[:80],
                                     attempts=attempt)
        except (socket.timeout, TimeoutError):
            last = SourceProblem("timeout", host=host, seconds=timeout, attempts=attempt)
        except (ConnectionError, OSError) as exc:
            last = SourceProblem("connect", host=host, detail=(exc.strerror or type(exc).__name__)[:80],
                                 attempts=attempt)
    raise last


def fetch_folder(folder: str, fmt: str, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None,
                 max_bytes: int | None = None) -> Fetched:
    """The newest finished export of the format in a folder. A file changed in the last `settle_seconds`, or
    named as a partial download, is still being written: it is skipped (the newest finished one is taken)."""
    max_bytes = limits.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    base = Path(folder)
    if not base.is_dir():
        raise SourceProblem("no_folder", location=folder)
    now = time.time() if now is None else now
    files = [p for p in base.iterdir() if p.is_file() and p.suffix.lower() == f".{fmt}"
             and not p.name.startswith((".", "~$"))]
    writing = [p for p in base.iterdir() if p.is_file() and p.name.lower().endswith(PARTIAL_SUFFIXES)]
    finished = sorted((p for p in files if now - p.stat().st_mtime >= settle_seconds),
                      key=lambda p: (p.stat().st_mtime, p.name))
    fresh = [p for p in files if now - p.stat().st_mtime < settle_seconds] + writing
    if not finished:
        if fresh:
            raise SourceProblem("writing", file=fresh[0].name, seconds=int(settle_seconds))
        raise SourceProblem("no_file", location=folder, format=fmt)
    pick = finished[-1]
    if pick.stat().st_size > max_bytes:
        raise SourceProblem("too_large", limit=_size_words(max_bytes))
    return Fetched(pick.read_bytes(), pick.name)


# --- records ----------------------------------------------------------------------------------------------

def records(content: bytes, fmt: str, json_path: str | None = None) -> pd.DataFrame:
    """The source's records as a table of texts (every column as written by the source)."""
    if not content.strip():
        raise SourceProblem("empty")
    if fmt == "json":
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise SourceProblem("bad_json", line=1, column=exc.start + 1, detail="không phải UTF-8") from None
        except json.JSONDecodeError as exc:
            raise SourceProblem("bad_json", line=exc.lineno, column=exc.colno, detail=exc.msg) from None
        for step in [s for s in (json_path or "").split(".") if s]:
            if isinstance(data, list) and step.isdigit() and int(step) < len(data):
                data = data[int(step)]
            elif isinstance(data, dict) and step in data:
                data = data[step]
            else:
                raise SourceProblem("bad_json_path", path=json_path)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise SourceProblem("bad_json_path", path=json_path or "(gốc)")
        frame = pd.DataFrame.from_records(data)
        return frame.astype(object).where(frame.notna(), None)
    if fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceProblem("bad_table", format="CSV", detail="không phải UTF-8") from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, ValueError) as exc:
            raise SourceProblem("bad_table", format="CSV", detail=str(exc).splitlines()[0][:120]) from None
        return frame.replace({"": None})
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:  # the archive's declared sizes, before reading it
                if sum(i.file_size for i in zf.infolist()) > limits.MAX_XML_BYTES:
                    raise SourceProblem("too_large", limit=_size_words(limits.MAX_XML_BYTES))
            frame = pd.read_excel(io.BytesIO(content), dtype=str)
        except SourceProblem:
            raise
        except Exception as exc:  # noqa: BLE001 — any unreadable workbook is one message, never a traceback
            raise SourceProblem("bad_table", format="Excel", detail=type(exc).__name__) from None
        return frame.astype(object).where(frame.notna(), None)
    raise SourceProblem("bad_mapping", detail=f"định dạng {fmt}")


def check_fields(frame: pd.DataFrame, mapping: Mapping) -> None:
    """A renamed or dropped field stops the pull, naming what moved."""
    have = [str(c) for c in frame.columns]
    missing = [c for c in mapping.source_columns() if c not in have]
    if missing:
        added = [c for c in have if c not in mapping.source_columns()]
        raise SourceProblem("format_changed", missing=", ".join(missing),
                            added=words("format_changed_added", added=", ".join(added)) if added else "")


def long_table(frame: pd.DataFrame, mapping: Mapping) -> tuple[bytes, list[tuple[int, str]]]:
    """The mapped values as a long CSV (the user's-file layout) and, for each of its data rows, the source
    record (1-based) and field it came from. A blank value stays missing (no row)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["entity", "year", "indicator", "variable", "value"])
    origin: list[tuple[int, str]] = []
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        entity = mapping.entity.get("fixed") or rec.get(mapping.entity.get("column"))
        year = mapping.year.get("fixed") or rec.get(mapping.year.get("column"))
        for f in mapping.fields:
            value = rec.get(f["field"])
            if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
                continue
            if f.get("convert", "none") == "percent":
                try:
                    number = parse_number(value)
                except (ValueError, TypeError):
                    number = None
                # "89,6%" already reads as 0.896; a bare 89,6 is a percentage to divide
                if number is not None and not str(value).strip().endswith("%"):
                    value = repr(round(number / 100, 12))  # 89,6 → 0.896, not 0.8959999999999999
                elif number is not None:
                    value = repr(round(number, 12))
            w.writerow([entity, year, f["indicator"], f["variable"], value])
            origin.append((i, str(f["field"])))
    return out.getvalue().encode("utf-8"), origin


# --- one pull ---------------------------------------------------------------------------------------------

@dataclass
class PullResult:
    name: str
    status: str            # ok | unchanged | failed | dry_run
    problem: str | None = None
    detail: str = ""
    n_values: int = 0
    n_changed: int = 0
    import_id: int | None = None
    changes: pd.DataFrame | None = None


def _changes(store, framework_id: str, group: str, data: pd.DataFrame) -> pd.DataFrame:
    """The pulled values that differ from the current own values (new ones included), with the old value."""
    keys = ["entity", "year", "indicator", "variable"]
    cur = storage.inputs.current_inputs(store, framework_id, group, "self", "own")
    new = data[keys + ["value", "not_applicable"]].copy()
    new["year"] = new["year"].astype("int64")
    if cur.empty:
        return new.assign(previous_value=float("nan"))
    old = cur[keys + ["value", "not_applicable"]].rename(columns={"value": "previous_value",
                                                                    "not_applicable": "previous_na"})
    old["year"] = old["year"].astype("int64")
    m = new.merge(old, on=keys, how="left")
    same_value = (m["value"] == m["previous_value"]) | (m["value"].isna() & m["previous_value"].isna()
                                                        & m["previous_na"].notna())
    same = same_value & (m["not_applicable"].astype(bool) == m["previous_na"].fillna(False).astype(bool))
    return m.loc[~same, keys + ["value", "not_applicable", "previous_value"]].reset_index(drop=True)


def pull(store, src: dict, secrets: dict | None = None, *, dry_run: bool = False, actor: str = SCHEDULER,
         timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF,
         settle_seconds: float = SETTLE_SECONDS, now: datetime | None = None) -> PullResult:
    """Pull one source through the user's-file gate; raises SourceProblem for anything refused."""
    name, fmt = str(src["name"]), str(src["format"])
    mapping = Mapping.from_json(src["mapping_json"])
    framework = load_framework(str(src["framework_id"]))
    if src["kind"] == "url":
        content = fetch_url(str(src["location"]), headers=_auth_header(src.get("secret"), secrets or {}),
                            timeout=timeout, retries=retries, backoff=backoff)
        origin_name = urllib.parse.urlsplit(str(src["location"])).path.rsplit("/", 1)[-1] or name
    elif src["kind"] == "folder":
        got = fetch_folder(str(src["location"]), fmt, settle_seconds=settle_seconds)
        content, origin_name = got.content, got.file_name
    else:
        raise SourceProblem("bad_mapping", detail=f"loại nguồn {src['kind']}")
    frame = records(content, fmt, src.get("json_path"))
    if frame.empty:
        raise SourceProblem("empty")
    check_fields(frame, mapping)
    long_csv, origin = long_table(frame, mapping)
    if not origin:
        raise SourceProblem("empty")
    # The import log names the source, the time (Vietnam) and the file it came from; the validator reads the
    # mapped values as the long CSV they are.
    stamp = (now or datetime.now(VN)).astimezone(VN).strftime("%d/%m/%Y %H:%M")
    file_name = f"{name} ({stamp}, từ {origin_name}).csv"
    group = str(src["entity_group"])
    parsed = imports.validate(store, framework, long_csv, file_name, group)
    if not parsed.ok:
        refused = []
        for p in parsed.problems[:5]:
            rec, fld = origin[p.row - 2] if p.row and 2 <= p.row < len(origin) + 2 else ("?", "?")
            refused.append(words("refused_cell", record=rec, field=fld, indicator=p.params.get("indicator", ""),
                                 variable=p.params.get("variable", ""), message=p.message("vi")))
        raise SourceProblem("refused", n=len(parsed.problems), first="; ".join(refused))
    changes = _changes(store, framework.id, group, parsed.data)
    n_values, n_changed = len(parsed.data), len(changes)
    if dry_run:
        return PullResult(name, "dry_run", detail=words("dry_run", n_values=n_values, n_changed=n_changed),
                          n_values=n_values, n_changed=n_changed, changes=changes)
    if n_changed == 0:
        return PullResult(name, "unchanged", detail=words("unchanged", n_values=n_values), n_values=n_values)
    sha = hashlib.sha256(content).hexdigest()
    import_id = storage.inputs.record_import(
        store, parsed.data, file_name=file_name, sha256=sha, framework_id=framework.id, flag="automatic",
        entity_group=group, imported_by=actor, form="source", flag_source=name,
        note=f"nguồn tự động “{name}” ({src['kind']}: {src['location']})")
    return PullResult(name, "ok", detail=words("ok", n_values=n_values, n_changed=n_changed), n_values=n_values,
                      n_changed=n_changed, import_id=import_id, changes=changes)


# --- many sources: the schedule ---------------------------------------------------------------------------

def next_run(src: dict, last_run) -> datetime | None:
    """When a source is next due (None: disabled). Naive UTC, as stored."""
    if not bool(src.get("enabled", True)):
        return None
    if last_run is None or pd.isna(last_run):
        return datetime.min
    return pd.Timestamp(last_run).to_pydatetime() + timedelta(minutes=int(src["every_minutes"]))


def is_stale(src: dict, last_success, now: datetime) -> bool:
    """No success within two periods: the overview flags the source."""
    if not bool(src.get("enabled", True)):
        return False
    if last_success is None or pd.isna(last_success):
        return True
    return now - pd.Timestamp(last_success).to_pydatetime() > timedelta(minutes=2 * int(src["every_minutes"]))


def status_table(store, now: datetime | None = None) -> pd.DataFrame:
    """Per source: definition, last success, last failure (in words), next run, stale flag."""
    now = now or db.now_utc()
    defs = storage.sources.sources(store)
    if defs.empty:
        return defs
    last = storage.sources.last_runs(store)
    t = defs.merge(last, on="name", how="left")
    t["next_run"] = [next_run(r, r.get("last_run")) for r in t.to_dict("records")]
    t["stale"] = [is_stale(r, r.get("last_success"), now) for r in t.to_dict("records")]
    return t


def sync(store, secrets: dict | None = None, *, name: str | None = None, dry_run: bool = False,
         actor: str = SCHEDULER, trigger: str = "schedule", force: bool = False, now: datetime | None = None,
         **pull_options) -> list[PullResult]:
    """Pull the due sources (or the one named, due or not). Each is recorded; none stops the others."""
    now = now or db.now_utc()
    table = status_table(store, now)
    if table.empty:
        return []
    rows = table.to_dict("records")
    if name is not None:
        rows = [r for r in rows if r["name"] == name]
        force = True
    results = []
    for src in rows:
        due = next_run(src, src.get("last_run"))
        if not force and (due is None or due > now):
            continue
        started = db.now_utc()
        try:
            result = pull(store, src, secrets, dry_run=dry_run, actor=actor, **pull_options)
        except SourceProblem as exc:
            result = PullResult(src["name"], "failed", exc.code, words(exc.code, **exc.params))
        except Exception as exc:  # noqa: BLE001 — one source's fault never stops the others, nor the page
            result = PullResult(src["name"], "failed", "unexpected", words("unexpected", detail=type(exc).__name__))
        if not dry_run:
            storage.sources.record_run(store, {
                "name": src["name"], "started_at": started, "finished_at": db.now_utc(), "status": result.status,
                "problem": result.problem, "detail": result.detail, "n_values": result.n_values,
                "n_changed": result.n_changed, "import_id": result.import_id, "trigger": trigger, "actor": actor})
        results.append(result)
    return results


def fed_criteria(store, framework_id: str) -> dict[str, str]:
    """Criterion code → the name of the enabled source that feeds it (forms and the council's queue mark them)."""
    out: dict[str, str] = {}
    defs = storage.sources.sources(store)
    for src in defs.to_dict("records") if not defs.empty else []:
        if src["framework_id"] != framework_id or not bool(src["enabled"]):
            continue
        try:
            mapping = Mapping.from_json(src["mapping_json"])
        except SourceProblem:
            continue
        for f in mapping.fields:
            out.setdefault(str(f["indicator"]), str(src["name"]))
    return out


def secrets_from_file() -> dict:
    """The secrets file the app reads (.streamlit/secrets.toml), for the command line."""
    from office.access import load_secrets

    path = os.environ.get("DTI_STUDIO_SECRETS")
    return load_secrets(Path(path)) if path else load_secrets()
