"""Loaders: files -> validated long tables, and only that (readers, parsing, templates, unit lists,
target progress, limits, safe output). Nothing here talks to DuckDB or to the office's workflows."""
