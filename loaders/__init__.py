"""Loaders: files -> validated long DataFrames (parsing), Excel input templates (templates),
the DuckDB store (store, the only module that talks to DuckDB) and first-run data (bootstrap)."""
