"""Plan targets (seeds 000, 004): loaded on first run; progress import all-or-nothing with named problems."""
import storage.targets
import storage.inputs
import pandas as pd
import pytest

from office import imports as importer
from office.bootstrap import TARGETS_FILE
from loaders.targets import progress_table



def test_targets_loaded_from_the_data_file(store):
    targets = storage.targets.plan_targets(store)
    assert len(targets) == len(pd.read_csv(TARGETS_FILE))
    assert {"hue_dt_2025", "hue_model_2023"} <= set(targets["plan_id"])
    assert targets["target_id"].is_unique


def csv(rows):
    return ("target_id,year,value\n" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


def test_progress_import_and_status(store):
    parsed = importer.validate_target_progress(store, csv([("hue_dt_2025.05", 2024, "45%"),
                                                           ("hue_dt_2025.02", 2024, 1)]), "tien_do.csv")
    assert parsed.ok, parsed.messages()
    importer.commit_target_progress(store, parsed, imported_by="kiểm thử")
    table = progress_table(storage.targets.plan_targets(store), storage.targets.target_progress(store)).set_index("target_id")
    assert table.loc["hue_dt_2025.05", "latest_value"] == pytest.approx(0.45)
    assert table.loc["hue_dt_2025.05", "status"] == "not_met"  # target 60 %
    assert table.loc["hue_dt_2025.02", "status"] == "met"
    assert table.loc["hue_dt_2025.03", "status"] == "no_data"


@pytest.mark.parametrize("rows,code,words", [
    ([("khong_co", 2024, 1)], "unknown_target", "khong_co"),
    ([("hue_dt_2025.05", 2024, "150%")], "target_share_range", "0–1"),
    ([("hue_dt_2025.05", "năm ngoái", 1)], "bad_year", "năm ngoái"),
    ([("hue_dt_2025.05", 2024, 0.5), ("hue_dt_2025.05", 2024, 0.6)], "target_duplicate", "dòng 2"),
])
def test_bad_progress_file_writes_nothing(store, rows, code, words):
    before = storage.inputs.counts(store)
    parsed = importer.validate_target_progress(store, csv(rows), "xau.csv")
    assert not parsed.ok and code in {p.code for p in parsed.problems}
    message = " ".join(parsed.messages("vi"))
    assert "xau.csv" in message and words in message and "dòng" in message
    with pytest.raises(ValueError):
        importer.commit_target_progress(store, parsed, imported_by="kiểm thử")
    assert storage.inputs.counts(store) == before
