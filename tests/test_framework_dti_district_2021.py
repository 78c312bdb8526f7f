"""dti_district_2021 (seed 003, Bộ chỉ số chuyển đổi số cấp huyện, 2021): the tree, its maxima against the
seed's printed numbers, every recorded discrepancy, the 165 criteria (some scored in groups) and direct scoring."""
import re
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring.engine import InputError
from scoring.framework import load_framework
from tests.conftest import ROOT

FW_ID = "dti_district_2021"
FILE = ROOT / "data" / "frameworks" / f"{FW_ID}.toml"
SEED = ROOT.parent / "shared" / "seeds" / "003_37a89510d7d4b1ad.txt"
if not SEED.exists():  # a worktree under /work/wt/<name> sees the shared folder two levels up
    SEED = ROOT.parent.parent / "shared" / "seeds" / "003_37a89510d7d4b1ad.txt"


@pytest.fixture(scope="module")
def fw():
    return load_framework(FW_ID)


@pytest.fixture(scope="module")
def raw():
    with FILE.open("rb") as fh:
        return {n["code"]: n for n in tomllib.load(fh)["node"]}


# Seed section I and the tables: pillar → (printed max, main indices, components, criteria).
PILLARS = {
    "CQS": (200, 7, 34, 77),
    "KTS": (95, 6, 19, 41),
    "XHS": (125, 7, 20, 47),
}

# Maxima of main indices and components as the tables print them (None = not printed; the value used is
# then derived, see DISCREPANCIES). Group codes joining several components are ours.
PRINTED_INNER = {
    "CQS.1": 32, "CQS.1.1": 10, "CQS.1.2": 12, "CQS.1.3": 10,
    "CQS.2": 27, "CQS.2.1": 16, "CQS.2.2": 10, "CQS.2.3_4": None,
    "CQS.3": 19, "CQS.3.1": 2, "CQS.3.2": 4, "CQS.3.3": 2, "CQS.3.4": 2, "CQS.3.5": 4, "CQS.3.6": 2, "CQS.3.7": 3,
    "CQS.4": 8, "CQS.4.1": 8,
    "CQS.5": 57, "CQS.5.1": 2, "CQS.5.2": 6, "CQS.5.3": 5, "CQS.5.4": 4, "CQS.5.5": 2, "CQS.5.6": 1, "CQS.5.7": 10,
    "CQS.5.8": 10, "CQS.5.9": 10, "CQS.5.10": 3, "CQS.5.11": 4,
    "CQS.6": 25, "CQS.6.1": 5, "CQS.6.2": 5, "CQS.6.3": 5, "CQS.6.4": 5, "CQS.6.5": 5,
    "CQS.7": 32, "CQS.7.1": 5, "CQS.7.2": 18, "CQS.7.3": None,
    "KTS.1": 25, "KTS.1.1": 10, "KTS.1.2_3": None,
    "KTS.2": 18, "KTS.2.1": 13, "KTS.2.2": None, "KTS.2.3": None,
    "KTS.3": 8, "KTS.3.1": 3, "KTS.3.2": 4, "KTS.3.3": 1,
    "KTS.4": 12, "KTS.4.1": 9, "KTS.4.2": 3,
    "KTS.5": 29, "KTS.5.1": 8, "KTS.5.2": 5, "KTS.5.3_7": None,
    "KTS.6": None, "KTS.6.1": None,
    "XHS.1": 25, "XHS.1.1": 10, "XHS.1.2": None, "XHS.1.3": 6,
    "XHS.2": 24, "XHS.2.1": 12, "XHS.2.2": 9, "XHS.2.3": 3,
    "XHS.3": 10, "XHS.3.1": 5, "XHS.3.2": 5,
    "XHS.4": 10, "XHS.4.1": 6, "XHS.4.2": 2, "XHS.4.3": 2,
    "XHS.5": 19, "XHS.5.1": 6, "XHS.5.2": 3, "XHS.5.3": 3, "XHS.5.4": 7,
    "XHS.6": 15, "XHS.6.1": 5, "XHS.6.2": None, "XHS.6.3": 5,
    "XHS.7": 22, "XHS.7.1": 16, "XHS.7.2": 6,
}

# Every place where the seed prints something else than the maximum used: code → (printed, used);
# printed None = not printed (or not legible).
DISCREPANCIES = {
    "CQS.1.2.4": (None, 3), "CQS.2.3_4": (None, 1), "CQS.3.2.3": (5, 2), "CQS.5.10.1": (5, 2),
    "CQS.7.1.3": (None, 1), "CQS.7.3": (None, 9),
    "KTS.1.2_3": (None, 15), "KTS.2.2": (None, 2), "KTS.2.2.1": (None, 2), "KTS.2.3": (None, 3),
    "KTS.3.1.1": (5, 2), "KTS.5.3_7": (None, 16), "KTS.6": (None, 3), "KTS.6.1": (None, 3), "KTS.6.1.1": (None, 3),
    "XHS.1.1.3": (5, 2), "XHS.1.2": (None, 9), "XHS.1.2.2": (None, 3), "XHS.6.2": (None, 5),
    "XHS.7.1.7": (5, 2), "XHS.7.1.8": (5, 2),
}

# Leaves that score several criteria together (the seed does not split their maximum): code → criteria.
GROUPS = {
    "CQS.1.3": ["CQS.1.3.1", "CQS.1.3.2", "CQS.1.3.3"],
    "CQS.2.1": ["CQS.2.1.1", "CQS.2.1.2", "CQS.2.1.3", "CQS.2.1.4"],
    "CQS.2.2": ["CQS.2.2.1", "CQS.2.2.2"],
    "CQS.2.3_4": ["CQS.2.3.1", "CQS.2.4.1", "CQS.2.4.2", "CQS.2.4.3"],
    "CQS.5.7": ["CQS.5.7.1", "CQS.5.7.2"],
    "CQS.5.8": ["CQS.5.8.1", "CQS.5.8.2"],
    "CQS.7.2": ["CQS.7.2.1", "CQS.7.2.2", "CQS.7.2.3", "CQS.7.2.4", "CQS.7.2.5", "CQS.7.2.6"],
    "CQS.7.3": ["CQS.7.3.1", "CQS.7.3.2", "CQS.7.3.3"],
    "KTS.1.2_3": ["KTS.1.2.1", "KTS.1.2.2", "KTS.1.2.3", "KTS.1.3.1", "KTS.1.3.2"],
    "KTS.2.1": ["KTS.2.1.1", "KTS.2.1.2", "KTS.2.1.3", "KTS.2.1.4"],
    "KTS.5.2": ["KTS.5.2.1", "KTS.5.2.2"],
    "KTS.5.3_7": ["KTS.5.3.1", "KTS.5.4.1", "KTS.5.4.2", "KTS.5.5.1", "KTS.5.5.2", "KTS.5.6.1", "KTS.5.6.2",
                  "KTS.5.7.1", "KTS.5.7.2"],
}


def criteria(fw, raw):
    """The seed's criteria: leaves that are one criterion, plus the criteria each group leaf covers."""
    out = []
    for leaf in fw.leaves:
        out.extend(raw[leaf.code].get("covers", [leaf.code]))
    return out


def components(fw):
    """Component codes of the seed (level 3), with our joined group codes expanded (2.3_4 → 2.3, 2.4)."""
    out = []
    for node in fw.nodes_at_level(3):
        m = re.fullmatch(r"(\w+\.\d+)\.(\d+)_(\d+)", node.code)
        if m:
            out.extend(f"{m[1]}.{i}" for i in range(int(m[2]), int(m[3]) + 1))
        else:
            out.append(node.code)
    return out


# Seed section I (lines 5-79): main index → (components, criteria) as it states them. Section I numbers the
# digital-economy training index 2.7 (no 2.6); the table numbers it 6. Section I says 07 criteria for
# Xã hội số / Kiến tạo thể chế, the table has 8 (and the pillar's stated 47 agrees with the table).
SECTION_I = {
    "CQS.1": (3, 10), "CQS.2": (4, 10), "CQS.3": (7, 13), "CQS.4": (1, 4), "CQS.5": (11, 22), "CQS.6": (5, 6),
    "CQS.7": (3, 12),
    "KTS.1": (3, 8), "KTS.2": (3, 6), "KTS.3": (3, 7), "KTS.4": (2, 4), "KTS.5": (7, 15), "KTS.6": (1, 1),
    "XHS.1": (3, 9), "XHS.2": (3, 7), "XHS.3": (2, 6), "XHS.4": (3, 5), "XHS.5": (4, 6), "XHS.6": (3, 3),
    "XHS.7": (2, 10),
}
SECTION_I_VS_TABLE = {"XHS.2": (7, 8)}  # main index → (criteria stated in section I, criteria in the table)


def test_loads_as_a_district_framework(fw):
    assert fw.id == FW_ID
    assert fw.unit_levels == ("district",)
    assert fw.level_names == ("total", "pillar", "main", "component", "criterion")
    assert fw.max_points == 420
    assert [n.code for n in fw.nodes_at_level(1)] == list(PILLARS)
    assert fw.for_level("district").max_points == 420
    with pytest.raises(KeyError):
        fw.for_level("province")


@pytest.mark.parametrize("pillar,expected", PILLARS.items(), ids=list(PILLARS))
def test_pillar_maxima_and_counts_match_the_seed(fw, raw, pillar, expected):
    printed_max, n_main, n_components, n_criteria = expected
    assert fw.nodes[pillar].max_points == printed_max
    assert fw.nodes[pillar].printed_max_points is None  # printed as used
    assert len(fw.children_of(pillar)) == n_main
    assert len([c for c in components(fw) if c.startswith(pillar + ".")]) == n_components
    crit = [c for c in criteria(fw, raw) if c.startswith(pillar + ".")]
    assert len(crit) == n_criteria


def test_165_criteria_each_once(fw, raw):
    crit = criteria(fw, raw)
    assert len(crit) == 165 == len(set(crit))
    # covered criteria are not nodes, and their codes follow the seed's numbering under their component
    for group, covered in GROUPS.items():
        assert raw[group]["covers"] == covered
        assert len(raw[group]["covers_name_en"]) == len(covered)
        for code in covered:
            assert code not in fw.nodes
            assert code in fw.nodes[group].reading, (group, code)
    assert {c for c, n in raw.items() if "covers" in n} == set(GROUPS)


@pytest.mark.parametrize("code,printed", PRINTED_INNER.items(), ids=list(PRINTED_INNER))
def test_inner_maxima_as_printed(fw, code, printed):
    node = fw.nodes[code]
    if printed is None:
        assert node.printed_max_points == "not_printed"
    else:
        assert node.max_points == printed and node.printed_max_points is None
    if node.children:  # the sum of children is enforced by the loader; check it here too
        assert sum(fw.nodes[c].max_points for c in node.children) == node.max_points


def test_every_discrepancy_is_recorded(fw):
    found = {d["code"]: (d["printed"], d["used"]) for d in fw.discrepancies()}
    assert found == {k: (None if p is None else float(p), float(u)) for k, (p, u) in DISCREPANCIES.items()}
    for d in fw.discrepancies():
        assert len(d["why"]) > 40, d["code"]
        assert re.search(rf"\b{d['used']:g}\b used|used {d['used']:g}\b|{d['used']:g} used", d["why"]), d


def test_leaves_are_direct_points_with_a_source(fw):
    assert len(fw.leaves) == 131
    for leaf in fw.leaves:
        assert leaf.rule == {"type": "direct", "variable": "points"}, leaf.code
        assert [(v.name, v.unit) for v in leaf.variables] == [("points", "điểm")], leaf.code
        assert leaf.source.strip() and leaf.name_vi and leaf.name_en, leaf.code
        assert leaf.level in (3, 4), leaf.code  # ragged: groups and XHS.6.x are at component level
    for node in fw.nodes.values():
        assert node.code == "total" or node.source.strip(), node.code


@pytest.mark.skipif(not SEED.exists(), reason="shared seeds not available")
def test_sources_quote_the_seed_lines_verbatim():
    """Each `source` is the seed's lines named in the comment above it (parts joined by a '[...]' line)."""
    seed = SEED.read_text(encoding="utf-8").split("\n")
    text = FILE.read_text(encoding="utf-8")
    blocks = re.findall(r"# seed lines ([\d, -]+)\nsource = '''\n(.*?)\n'''", text, flags=re.S)
    assert len(blocks) == len(load_framework(FW_ID).nodes) - 1
    for spec, quote in blocks:
        parts = []
        for part in spec.split(", "):
            a, _, b = part.partition("-")
            parts.append("\n".join(seed[int(a) - 1:int(b or a)]).rstrip())
        assert quote == "\n[...]\n".join(parts), spec


def _inputs(points_by_entity, fw, year=2023):
    rows = []
    for entity, given in points_by_entity.items():
        for leaf in fw.leaves:
            rows.append({"entity": entity, "year": year, "indicator": leaf.code, "variable": "points",
                         "value": given.get(leaf.code, 0.0)})
    return pd.DataFrame(rows)


# Hand-computed cases: entity → points entered (others 0) → expected points of some nodes.
CASES = [
    ("all maxima", "__max__", {"total": 420, "CQS": 200, "KTS": 95, "XHS": 125, "CQS.2": 27, "KTS.6": 3}),
    ("a few criteria and groups",
     {"CQS.1.1.3": 4.5, "CQS.1.3": 7, "CQS.2.3_4": 0.5, "KTS.5.3_7": 12, "KTS.6.1.1": 1, "XHS.6.2": 5,
      "XHS.7.1.7": 2},
     {"CQS.1.1": 4.5, "CQS.1": 11.5, "CQS.2": 0.5, "CQS": 12, "KTS.5": 12, "KTS.6": 1, "KTS": 13,
      "XHS.6": 5, "XHS.7.1": 2, "XHS": 7, "total": 32}),
    ("nothing", {}, {"total": 0, "CQS": 0, "KTS": 0, "XHS": 0}),
]


@pytest.mark.parametrize("name,given,expected", CASES, ids=[c[0] for c in CASES])
def test_scoring_by_hand(fw, name, given, expected):
    if given == "__max__":
        given = {leaf.code: leaf.max_points for leaf in fw.leaves}
    result = scoring.score(fw, _inputs({"Huyện A": given}, fw))
    got = result.scores.set_index("code")["points"]
    for code, points in expected.items():
        assert got[code] == pytest.approx(points, abs=1e-9), code
    value = result.scores.set_index("code")["value"]
    assert value["total"] == pytest.approx(expected["total"] / 420)


def test_ranks_between_districts(fw):
    df = _inputs({"Huyện A": {"CQS.5.7": 10}, "Huyện B": {"XHS.5.4.2": 4}, "Huyện C": {"KTS.3.3.1": 1}}, fw)
    s = scoring.score(fw, df).scores
    total = s[s.code == "total"].set_index("entity")
    assert total["points"].to_dict() == {"Huyện A": 10, "Huyện B": 4, "Huyện C": 1}
    assert total["rank"].to_dict() == {"Huyện A": 1, "Huyện B": 2, "Huyện C": 3}


@pytest.mark.parametrize("code,value", [("CQS.1.1.3", 6.5), ("CQS.2.3_4", 2), ("XHS.7.1.8", 5), ("KTS.6.1.1", -1)])
def test_points_outside_the_maximum_are_refused(fw, code, value):
    with pytest.raises(InputError) as exc:
        scoring.score(fw, _inputs({"Huyện A": {code: value}}, fw))
    assert code in str(exc.value)


def test_describe_prints_every_node(fw):
    out = subprocess.run([sys.executable, "-m", "scoring", "describe", "--framework", FW_ID], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    codes = [line.split(",", 1)[0] for line in out.stdout.strip().splitlines()[1:]]
    assert codes == list(fw.nodes)
    assert len(codes) == 207


@pytest.mark.parametrize("main,expected", SECTION_I.items(), ids=list(SECTION_I))
def test_main_index_counts_match_section_one(fw, raw, main, expected):
    n_components, n_criteria = expected
    assert len([c for c in components(fw) if c.rsplit(".", 1)[0] == main]) == n_components
    found = len([c for c in criteria(fw, raw) if c.startswith(main + ".")])
    if main in SECTION_I_VS_TABLE:
        stated, in_table = SECTION_I_VS_TABLE[main]
        assert (n_criteria, found) == (stated, in_table)
        assert "07" in fw.nodes[main.split(".")[0]].reading and "8" in fw.nodes[main.split(".")[0]].reading
    else:
        assert found == n_criteria


@pytest.mark.parametrize("code, shown", [
    ("CQS.2.3_4", "CQS.2.3–2.4"),   # our joined codes: the seed's numbers they cover, both in full, en dash
    ("KTS.1.2_3", "KTS.1.2–1.3"),
    ("KTS.5.3_7", "KTS.5.3–5.7"),
    ("CQS.7.3", "CQS.7.3"),         # every other code as it is
    ("CQS.2.3.1", "CQS.2.3.1"),
    ("1.1", "1.1"), ("I.4", "I.4"), ("VI.5", "VI.5"), ("total", "total"), ("CQS", "CQS"),
    ("a_b", "a_b"), ("", ""), (None, ""),
])
def test_display_code(code, shown):
    from scoring.framework import display_code

    assert display_code(code) == shown


def test_no_code_of_the_framework_reads_with_an_underscore(fw):
    """Every code a person reads (pages, tables, downloads, charts, messages, documents) goes through
    display_code: none of the district framework's codes then shows an underscore, and two codes never read alike."""
    from scoring.framework import display_code

    shown = {c: display_code(c) for c in fw.nodes}
    assert not [s for s in shown.values() if "_" in s]
    assert {c for c in fw.nodes if "_" in c} == {"CQS.2.3_4", "KTS.1.2_3", "KTS.5.3_7"}
    assert len(set(shown.values())) == len(shown)
