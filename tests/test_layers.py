"""The house's import directions (docs/ARCHITECTURE.md, "Rooms"): each room imports only what is below it.
Lazy imports inside functions count too. A new arrow upward fails here, naming the file and the import."""
import ast

import pytest

from tests.conftest import ROOT

# room -> top-level packages (or dotted modules) it must never import
FORBIDDEN = {
    "scoring": {"streamlit", "duckdb", "loaders", "storage", "office", "dashboard", "reports", "pages"},
    "loaders": {"streamlit", "duckdb", "storage", "office", "dashboard", "reports", "pages"},
    "storage": {"streamlit", "loaders", "office", "dashboard", "reports", "pages"},
    "office": {"streamlit", "dashboard", "reports", "pages"},
    "dashboard": {"pages"},
    "reports": {"pages", "streamlit"},
    # pages compose: the database's internals (connection, schema, backup) are not theirs
    "pages": {"duckdb", "storage.db", "storage.schema", "storage.backup"},
}


def imports_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for a in node.names:  # `from storage import db` imports storage.db
                yield node.lineno, f"{node.module}.{a.name}"


def _hits(name: str, forbidden: set[str]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_nothing_above_it(room):
    files = sorted((ROOT / room).glob("*.py"))
    assert files, f"no room {room}"
    wrong = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in files for line, name in imports_of(p)
             if _hits(name, FORBIDDEN[room])]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name, forbidden, expected", [
    ("storage.db", {"storage.db"}, True), ("storage.plans", {"storage.db"}, False),
    ("office.bootstrap", {"office"}, True), ("officex", {"office"}, False), ("streamlit.testing", {"streamlit"}, True),
])
def test_the_rule_itself(name, forbidden, expected):
    assert _hits(name, forbidden) is expected



def test_no_module_over_400_lines_without_its_reason():
    """A module over about 400 lines says in its docstring why it is one piece ("Why one module: …")."""
    long = []
    for room in FORBIDDEN:
        for p in (ROOT / room).glob("*.py"):
            text = p.read_text(encoding="utf-8")
            if text.count("\n") > 400 and "Why one module" not in (ast.get_docstring(ast.parse(text)) or ""):
                long.append(f"{p.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not long, "\n".join(long)


PAGE_MAX_LINES = 200
PAGES = sorted((ROOT / "pages").glob("*.py"))


def test_there_are_pages_to_measure():
    assert len(PAGES) >= 10, f"only {len(PAGES)} files found in pages/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_composes_in_at_most_200_lines(page):
    """pages/ compose only: a page over 200 lines holds widget code that belongs in dashboard/."""
    n = len(page.read_text(encoding="utf-8").splitlines())
    assert n <= PAGE_MAX_LINES, (f"{page.relative_to(ROOT)} has {n} lines (at most {PAGE_MAX_LINES}): "
                                 f"move its widgets into a dashboard/ module and compose them here")
