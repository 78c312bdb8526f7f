"""Pull the automatic sources that are due — for cron or a systemd timer (examples in the README).

    python -m office.sync [--source NAME] [--dry-run] [--db PATH]

Each source is pulled through the same gate as a user's file (office.sources.pull) and its outcome recorded;
one source's failure never stops the others. Exit status: 0 when every pull succeeded or changed nothing,
1 when at least one failed, 2 when the database could not be opened. Nothing is printed of credentials.
"""
from __future__ import annotations

import argparse
import sys

import storage.sources
from office import sources
from office.recovery import open_database
from storage.errors import StoreError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m office.sync",
                                     description="Lấy số liệu từ các nguồn tự động đã đến lịch (hoặc một nguồn).")
    parser.add_argument("--source", help="tên một nguồn: lấy ngay, dù chưa đến lịch")
    parser.add_argument("--dry-run", action="store_true", help="chạy thử: đọc, kiểm tra, so sánh; không ghi gì")
    parser.add_argument("--db", help="tệp cơ sở dữ liệu .duckdb (mặc định: DTI_STUDIO_DB hoặc data/dti_studio.duckdb)")
    args = parser.parse_args(argv)
    try:
        store, _ = open_database(args.db)
    except StoreError as exc:
        print(f"Không mở được cơ sở dữ liệu ({exc.code}): {exc.detail}", file=sys.stderr)
        return 2
    try:
        if args.source and storage.sources.source(store, args.source) is None:
            print(f"Không có nguồn “{args.source}”.", file=sys.stderr)
            return 1
        results = sources.sync(store, sources.secrets_from_file(), name=args.source, dry_run=args.dry_run,
                               trigger="command")
    finally:
        store.close()
    if not results:
        print("Không có nguồn nào đến lịch lấy.")
        return 0
    for r in results:
        mark = {"ok": "ĐÃ GHI", "unchanged": "KHÔNG ĐỔI", "dry_run": "CHẠY THỬ", "failed": "LỖI"}[r.status]
        print(f"[{mark}] {r.name}: {r.detail}" + (f" (lần nhập số {r.import_id})" if r.import_id else ""))
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
