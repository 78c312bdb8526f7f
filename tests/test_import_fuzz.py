"""Fuzz the importer (issue 9), bounded in time: generated good and bad files plus byte-level damage.
0 crashes, 0 bad files accepted, 0 partial writes (a refused file writes nothing to a temp store), and a
specific message (a known code that renders in both languages) for every problem."""
import storage.inputs
import random
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import corpus  # noqa: E402
from office import imports as importer  # noqa: E402
from loaders.parsing import EntityResolver, load_catalog, parse_inputs  # noqa: E402
from scoring.framework import load_framework  # noqa: E402
from tests.test_parsing import MINI, PROVINCES  # noqa: E402

FW = load_framework(MINI)
RESOLVER = EntityResolver.provinces_2025(PROVINCES)
VI, EN = load_catalog("vi"), load_catalog("en")
TIME_BUDGET_S = 25.0  # per test


def _check_messages(parsed):
    for p in parsed.problems:
        assert p.code in VI and p.code in EN and p.code != "read_failed", (p.code, p.params)
        vi, en = p.message("vi"), p.message("en")
        assert vi.startswith(f"Tệp “{parsed.file_name}”") and en.startswith(f"File “{parsed.file_name}”")
        assert "{" not in vi and len(vi) < 1500, vi


def _commit_or_refuse(store, parsed):
    before = storage.inputs.counts(store)
    if parsed.ok:
        importer.commit(store, parsed, FW, imported_by="Kiểm thử")
        after = storage.inputs.counts(store)
        assert after["raw_inputs"] == before["raw_inputs"] + len(parsed.data)
        assert after["imports"] == before["imports"] + 1
    else:
        with pytest.raises(ValueError):
            importer.commit(store, parsed, FW, imported_by="Kiểm thử")
        assert storage.inputs.counts(store) == before  # nothing written


def test_generated_files(store):
    start, n, refused = time.perf_counter(), 0, 0
    for case in corpus(seed=2026, n=400):
        if time.perf_counter() - start > TIME_BUDGET_S:
            break
        parsed = parse_inputs(case.raw, case.file_name, FW, RESOLVER)  # must not raise
        n += 1
        _check_messages(parsed)
        if case.bad:
            refused += 1
            assert not parsed.ok, f"{case.name}: bad file accepted"
            assert case.expect in {p.code for p in parsed.problems}, (case.name, parsed.messages()[:3])
        else:
            assert parsed.ok, (case.name, parsed.messages()[:3])
        _commit_or_refuse(store, parsed)
    assert n >= 60 and refused >= 40, (n, refused)


def _damage(raw: bytes, rng: random.Random) -> bytes:
    b = bytearray(raw)
    kind = rng.choice(["flip", "insert", "delete", "truncate", "control"])
    for _ in range(rng.randint(1, 8)):
        if not b:
            break
        i = rng.randrange(len(b))
        if kind == "flip":
            b[i] = rng.randrange(256)
        elif kind == "insert":
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 5)))
        elif kind == "delete":
            del b[i:i + rng.randint(1, 20)]
        elif kind == "control":
            b[i:i] = bytes([rng.choice([0, 1, 7, 11, 27, 127])])
        else:
            del b[i:]
    return bytes(b)


def test_damaged_files_never_crash_and_never_write_half(store):
    rng = random.Random(9)
    seeds = [c for c in corpus(seed=5, n=40) if not c.bad]
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < TIME_BUDGET_S and n < 600:
        case = rng.choice(seeds)
        raw = _damage(case.raw, rng)
        parsed = parse_inputs(raw, case.file_name, FW, RESOLVER)  # must not raise
        _check_messages(parsed)
        if n % 10 == 0:
            _commit_or_refuse(store, parsed)
        n += 1
    assert n >= 50
