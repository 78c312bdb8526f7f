"""Start DTI Studio warm: prepare the database and load the heavy modules, then run Streamlit's own
server in this same process.

    .venv/bin/python scripts/serve.py [streamlit options, e.g. --server.port 8501]

`streamlit run app.py` starts in under a second but leaves the work to the first visitor: importing
pandas, plotly, DuckDB and the scoring code, parsing the frameworks and, on a new database, loading the
default data (the SAMPLE figures through the importer's checks). Here that work is done before the
server listens, so the first page is drawn as fast as any later one. Nothing is skipped: the default
data goes in through `ensure_default_data` as when the app opens the database; a database that needs
recovering is left to the server (it recovers it and tells the users). The database is closed again
for the server to open. Modules that declare Streamlit caches
(dashboard.data and the pages) are not imported here: their caches belong to the running server.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def warm() -> float:
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401

    import dashboard.analysis  # noqa: F401
    import dashboard.charts  # noqa: F401
    import scoring.montecarlo  # noqa: F401
    import scoring.whatif  # noqa: F401
    from office import bootstrap
    from storage.backup import backup_dir, has_backup
    from storage.db import Store, default_db_path
    from scoring.framework import available_frameworks

    for fid in available_frameworks():
        bootstrap.framework(fid)  # parsed once for the process: the pages reuse them
    db = Path(os.environ.get("DTI_STUDIO_DB") or default_db_path())
    # Only the paths where all is well: a database to recover (missing with a backup, corrupt,
    # read-only) is left to the server, which recovers it and tells the users what happened.
    if db.exists() or not has_backup(backup_dir(db)):
        try:
            store = Store(db)
        except Exception as exc:  # noqa: BLE001 — the server meets the same fault and explains it
            print(f"DTI Studio: database left to the server ({type(exc).__name__})", flush=True)
        else:
            try:
                bootstrap.ensure_default_data(store)
            finally:
                store.close()  # the server opens it again (one read-write process at a time)
    return time.perf_counter() - t0


def main() -> None:
    seconds = warm()
    print(f"DTI Studio: database ready and modules loaded in {seconds:.1f} s; starting the server", flush=True)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
