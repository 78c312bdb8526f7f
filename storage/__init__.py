"""Storage: the DuckDB database and nothing else — the connection, transactions, the writer lock,
the schema and its migrations, backup and recovery, and each domain's queries beside it.
It imports nothing above it (no office workflows, no dashboard, no pages)."""
