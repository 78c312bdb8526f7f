"""The README's server (`scripts/serve.py`) started for a bench on 127.0.0.1 with a given database, and waited for
until it answers its health check: one copy for the benches that drive it (bench_deadline, bench_council)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(db: Path, port: int) -> subprocess.Popen:
    """One server process on `port` over the database file `db`, quiet; call `wait` before using it."""
    env = dict(os.environ, DTI_STUDIO_DB=str(db))
    return subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait(port: int, seconds: float = 120.0) -> None:
    """Until the server on `port` answers "ok" to its health check (at most `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the server on port {port} did not answer in {seconds:.0f} s")
