"""Database faults the user is told about in words (code → locales ui.faults.<code>), and the editor's
name every data change needs."""
from __future__ import annotations

_LOCK_MESSAGES = ("Could not set lock", "Conflicting lock")


class StoreError(RuntimeError):
    """A database fault the user is told about in words (code → locales ui.faults.<code>)."""
    code = "unexpected"

    def __init__(self, detail: str = "", path: str = ""):
        super().__init__(detail or self.code)
        self.detail, self.path = detail, path


class EditorRequired(StoreError, PermissionError):
    """A data change without a signed-in editor's name."""
    code = "editor_required"


class DatabaseBusy(StoreError):
    """Another process held the writer's lock longer than the wait allowed."""
    code = "busy"


class DatabaseLost(StoreError):
    """The database file disappeared or was replaced while the app was running."""
    code = "lost"


class DatabaseReadOnly(StoreError):
    """The database file (or its folder) cannot be written: the app opened it for reading only."""
    code = "read_only"


class DatabaseCorrupt(StoreError):
    """The file is not a readable DuckDB database."""
    code = "corrupt"


def require_who(who: str | None, action: str = "") -> str:
    """The editor's name of a data change; an empty one is refused (EditorRequired)."""
    name = (who or "").strip()
    if not name:
        raise EditorRequired(action)
    return name


def classify_open_error(exc: BaseException) -> type[StoreError]:
    text = str(exc)
    if any(m in text for m in _LOCK_MESSAGES):
        return DatabaseBusy
    if "Permission denied" in text or "Read-only file system" in text or "read-only" in text.lower():
        return DatabaseReadOnly
    return DatabaseCorrupt


# DuckDB's words for a file it cannot read as a database: a file cut short ("Could not read enough bytes"),
# a bad header or checksum. They may come when the file is opened or at its first read, so the store turns
# them into DatabaseCorrupt wherever they come (and open_with_recovery rebuilds the file from the backup).
_CORRUPT_MESSAGES = ("Could not read enough bytes", "not a valid DuckDB database file", "checksum",
                     "Corrupt database file", "database file is corrupted")


def is_corruption(exc: BaseException) -> bool:
    text = str(exc)
    return any(m.lower() in text.lower() for m in _CORRUPT_MESSAGES)
