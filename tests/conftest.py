import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).resolve().parent / "fixtures"


import pytest  # noqa: E402


@pytest.fixture()
def store(tmp_path):
    """A DuckDB store in a temporary file, with the default data loaded (as on first run)."""
    from office.bootstrap import ensure_default_data
    from storage.db import Store

    s = Store(tmp_path / "test.duckdb")
    ensure_default_data(s)
    yield s
    s.close()
