"""`python -m reports briefing --framework dti_province_2025 --entity "Gia Lai" --year 2025
[--lang vi|en] [--format pptx|pdf] [--pdf-engine matplotlib|libreoffice] [--dataset own|sample]
--out FILE [--db PATH]`

Reads the store (DTI_STUDIO_DB or --db; the default data is loaded on first use), builds the
steering-committee briefing and writes it. Messages for people on stderr, in the chosen language.
Exit codes: 0 written; 2 bad request (unknown framework, province or year); 3 the document could not be
made (LibreOffice asked for and missing or failed, or the time bound passed). Needs no browser and no
LibreOffice: charts and the PDF are drawn by matplotlib.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dashboard.i18n import t

TIME_LIMIT = 300  # seconds for one briefing (about 5 s without LibreOffice)


def cmd_briefing(args) -> int:
    import signal

    from reports.briefing import BriefingError, RequestError, make_briefing

    lang = args.lang
    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else "pptx")
    if fmt not in ("pptx", "pdf"):
        print(t("ui.briefing.cli_bad_format", lang, format=fmt), file=sys.stderr)
        return 2
    start = time.perf_counter()

    def too_long(_sig, _frame):
        raise BriefingError(t("ui.briefing.cli_timeout", lang, seconds=TIME_LIMIT))

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(TIME_LIMIT)  # nothing ever hangs: a bounded time, then a message and exit 3
    try:
        data = make_briefing(args.framework, args.entity, args.year, lang=lang, fmt=fmt, db=args.db,
                             dataset=args.dataset, pdf_engine=args.pdf_engine)
    except RequestError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BriefingError as exc:
        print(str(exc), file=sys.stderr)
        return 3
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    Path(args.out).write_bytes(data)
    print(t("ui.briefing.cli_written", lang, path=args.out, seconds=f"{time.perf_counter() - start:.1f}"),
          file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description="DTI Studio reports")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("briefing", help="steering-committee briefing (PowerPoint or PDF)")
    b.add_argument("--framework", required=True)
    b.add_argument("--entity", required=True)
    b.add_argument("--year", type=int, required=True)
    b.add_argument("--lang", choices=["vi", "en"], default="vi")
    b.add_argument("--format", choices=["pptx", "pdf"], default=None,
                   help="default: from the --out file's extension, else pptx")
    b.add_argument("--pdf-engine", choices=["matplotlib", "libreoffice"], default="matplotlib",
                   help="PDF drawn by matplotlib (default, no other program) or converted by LibreOffice")
    b.add_argument("--dataset", choices=["own", "sample"], default=None,
                   help="default: the province's own data when imported, else the SAMPLE data")
    b.add_argument("--out", required=True)
    b.add_argument("--db", default=None, help="DuckDB file (default: DTI_STUDIO_DB or data/dti_studio.duckdb)")
    b.set_defaults(fn=cmd_briefing)
    from reports import requests as rq  # data-collection round: one workbook per lead agency

    r = sub.add_parser("requests", help="one request workbook (.xlsx) per lead agency for a data-collection round")
    rq.add_arguments(r)
    r.set_defaults(fn=rq.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.fn(args)
