"""Small builders shared by the unit tests."""
import pandas as pd

from scoring.framework import parse_framework


def one_leaf_framework(rule, variables, max_points=20.0, **node_extra):
    """A framework with a single main index holding a single leaf `X.1` carrying `rule`."""
    raw = {
        "framework": {"id": "one", "version": "t", "name_vi": "Một"},
        "node": [
            {"code": "X", "parent": "total", "name_vi": "X", "max_points": max_points},
            {"code": "X.1", "parent": "X", "name_vi": "X.1", "max_points": max_points, "rule": rule,
             "variables": [{"name": v} for v in variables], **node_extra},
        ],
    }
    return parse_framework(raw)


def long_inputs(records, indicator="X.1"):
    """records: list of (entity, year, {variable: value})."""
    return pd.DataFrame(
        [
            {"entity": e, "year": y, "indicator": indicator, "variable": k, "value": v}
            for e, y, values in records
            for k, v in values.items()
        ]
    )


_EDITOR_HASHES: dict[str, str] = {}
EDITOR_PASSWORD = "mật khẩu thử 2026"


def editor_secrets(name: str = "Kiểm thử") -> dict:
    """The app's secrets section with one password editor (argon2 hash, computed once per name)."""
    from office.access import hash_password

    if name not in _EDITOR_HASHES:
        _EDITOR_HASHES[name] = hash_password(EDITOR_PASSWORD)
    return {"editors": {name: _EDITOR_HASHES[name]}}


def app_session(tmp_path, monkeypatch, db_name: str = "app.duckdb", prepare=None):
    """An AppTest of app.py on its own temporary database, caches cleared before and after (a generator
    for pytest fixtures: `yield from app_session(...)`). `prepare(at)` runs before the first run
    (secrets, a signed-in editor). Page bugs raise here (DTI_STUDIO_RAISE)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("DTI_STUDIO_DB", str(tmp_path / db_name))
    monkeypatch.delenv("DTI_STUDIO_FOCUS", raising=False)
    monkeypatch.setenv("DTI_STUDIO_RAISE", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if prepare is not None:
        prepare(at)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    yield at
    st.cache_data.clear()
    st.cache_resource.clear()
