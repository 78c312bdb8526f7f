"""Import pipeline: parse and validate a user's file (nothing written), then commit it in one transaction."""
from __future__ import annotations

from loaders.parsing import EntityResolver, ParsedImport, parse_inputs
from loaders.store import Store
from scoring.framework import Framework


def resolver(store: Store, group: str = "34") -> EntityResolver:
    return EntityResolver({name: [] for name in store.entities(group)["name"]})


def validate(store: Store, framework: Framework, source, file_name: str, group: str = "34") -> ParsedImport:
    """Read and check a CSV/Excel file against the framework and the province list. Writes nothing."""
    return parse_inputs(source, file_name, framework, resolver(store, group))


def commit(store: Store, parsed: ParsedImport, framework: Framework, flag: str = "self_assessed",
           imported_by: str | None = None, group: str = "34") -> int:
    """Write a validated import (all rows and its log line) in one transaction; refuse an invalid one."""
    if not parsed.ok:
        raise ValueError(f"{parsed.file_name}: {len(parsed.problems)} problem(s); nothing written")
    return store.record_import(parsed.data, file_name=parsed.file_name, sha256=parsed.sha256,
                               framework_id=framework.id, flag=flag, entity_group=group,
                               imported_by=imported_by or None, form=parsed.form)


def import_file(store: Store, framework: Framework, source, file_name: str, flag: str = "self_assessed",
                imported_by: str | None = None) -> tuple[ParsedImport, int | None]:
    """Validate then commit when valid (scripts and tests); returns the import id or None."""
    parsed = validate(store, framework, source, file_name)
    if not parsed.ok:
        return parsed, None
    return parsed, commit(store, parsed, framework, flag, imported_by)


def validate_target_progress(store: Store, source, file_name: str):
    from loaders.targets import parse_target_progress

    return parse_target_progress(source, file_name, store.plan_targets())


def commit_target_progress(store: Store, parsed, flag: str = "self_assessed", imported_by: str | None = None) -> int:
    if not parsed.ok:
        raise ValueError(f"{parsed.file_name}: {len(parsed.problems)} problem(s); nothing written")
    return store.record_target_progress(parsed.data, file_name=parsed.file_name, sha256=parsed.sha256, flag=flag,
                                        imported_by=imported_by or None)
