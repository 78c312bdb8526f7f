"""Units below the province: the unit list, name resolution, unit data import, ranking within a level."""
import storage.units
import storage.inputs
import io

import openpyxl
import pandas as pd
import pytest

from office import imports as importer
from loaders.units import parse_units, resolver_for_units, split_group, unit_group
from scoring import load_framework, score
from tests.conftest import FIXTURES

UNITS_CSV = """Tên đơn vị,Cấp,Trực thuộc,Hiệu lực từ,Hiệu lực đến,Tên khác
Sở Nội vụ,"Sở, ban, ngành",,,,SNV
Sở Tài chính,Sở,,,,
Phường Thuận Hóa,Phường,,01/07/2025,,
Phường Phú Xuân,phường,,01/07/2025,,
Xã Phú Vang,Xã,,1/7/2025,,
Huyện Phú Vang,Huyện,,,30/06/2025,
"""


@pytest.fixture()
def fw():
    return load_framework(FIXTURES / "units_mini.toml")


@pytest.fixture()
def hue(store):
    parsed = parse_units(UNITS_CSV.encode(), "don_vi.csv")
    assert parsed.ok, parsed.messages()
    storage.units.save_units(store, "Huế", parsed.data, file_name="don_vi.csv", sha256=parsed.sha256, flag="self_assessed",
                     imported_by="kiểm thử")
    return store


def test_unit_list_reads_levels_and_dates():
    parsed = parse_units(UNITS_CSV.encode(), "don_vi.csv")
    assert parsed.ok
    levels = dict(zip(parsed.data["name"], parsed.data["level"]))
    assert levels == {"Sở Nội vụ": "department", "Sở Tài chính": "department", "Phường Thuận Hóa": "commune",
                      "Phường Phú Xuân": "commune", "Xã Phú Vang": "commune", "Huyện Phú Vang": "district"}
    assert str(parsed.data.set_index("name").at["Xã Phú Vang", "valid_from"]) == "2025-07-01"


@pytest.mark.parametrize("row, code, where", [
    ("Sở Y tế,Tổng cục,,,,", "units_bad_level", "dòng 2, cột “Cấp”"),
    ("Sở Nội vụ,Sở,,,,", "units_duplicate", "dòng 3, cột “Tên đơn vị”"),
    ("Xã A,Xã,,31/02/2025,,", "units_bad_date", "dòng 3, cột “Hiệu lực từ”"),
    ("Xã A,Xã,,01/07/2025,01/01/2025,", "units_dates_reversed", "dòng 3, cột “Hiệu lực đến”"),
    ("Xã A,Xã,Huyện Không Có,,,", "units_unknown_parent", "dòng 3, cột “Trực thuộc”"),
    (",Xã,,,,", "units_missing_name", "dòng 3, cột “Tên đơn vị”"),
])
def test_bad_unit_lists_name_the_cell(row, code, where):
    head = "Tên đơn vị,Cấp,Trực thuộc,Hiệu lực từ,Hiệu lực đến,Tên khác\nSở Nội vụ,Sở,,,,\n"
    if code == "units_bad_level":
        head = "Tên đơn vị,Cấp,Trực thuộc,Hiệu lực từ,Hiệu lực đến,Tên khác\n"
        where = where.replace("dòng 2", "dòng 2")
    parsed = parse_units((head + row + "\n").encode(), "ds.csv")
    assert not parsed.ok and parsed.data.empty
    assert [p.code for p in parsed.problems] == [code]
    msg = parsed.messages()[0]
    assert "Tệp “ds.csv”" in msg and where in msg, msg


@pytest.mark.parametrize("content, name, code", [
    (b"\x00\x01garbage", "ds.xlsx", "unreadable"),
    (b"a,b\n1,2\n", "ds.csv", "units_header"),
    (b"x", "ds.pdf", "file_type"),
    ("Tên,Cấp\nSở Tài chính,Sở\n".encode("latin-1", "replace"), "ds.csv", "encoding"),
    ("Tên đơn vị,Cấp\n".encode("utf-16"), "ds.csv", "empty_file"),
])
def test_unreadable_unit_lists_are_one_message(content, name, code):
    parsed = parse_units(content, name)
    assert [p.code for p in parsed.problems] == [code]


def test_unit_list_from_excel_reads_every_row():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tên đơn vị", "Cấp"])
    for i in range(30):
        ws.append([f"Xã Thử {i}", "Xã"])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_units(buf.getvalue(), "ds.xlsx")
    assert parsed.ok and len(parsed.data) == 30


def test_resolver_takes_short_names_only_when_unambiguous():
    units = parse_units(UNITS_CSV.encode(), "d.csv").data
    r = resolver_for_units(units)
    assert r.resolve("thuan hoa") == "Phường Thuận Hóa"
    assert r.resolve("PHƯỜNG PHÚ XUÂN") == "Phường Phú Xuân"
    assert r.resolve("SNV") == "Sở Nội vụ"
    assert r.resolve("Phú Vang") is None  # a commune and a district share it: asked, never guessed


def test_groups():
    assert unit_group("commune", "Huế") == "commune@Huế"
    assert split_group("commune@Huế") == ("commune", "Huế")
    assert split_group("34") == ("province", None)


def _data(rows):
    return ("Đơn vị,Năm,Chỉ số,Biến,Giá trị\n" + "\n".join(rows) + "\n").encode()


def test_unit_data_lands_in_each_units_group(hue, fw):
    rows = ["Thuận Hóa,2025,I.1,points,8", "Thuận Hóa,2025,I.2,a,30", "Thuận Hóa,2025,I.2,b,40",
            "Phường Phú Xuân,2025,I.1,points,6", "Phường Phú Xuân,2025,I.2,a,10", "Phường Phú Xuân,2025,I.2,b,40",
            "Sở Nội vụ,2025,I.1,points,9", "Sở Nội vụ,2025,II.1,item1,1", "Sở Nội vụ,2025,II.1,item2,0"]
    parsed = importer.validate_unit_data(hue, fw, "Huế", _data(rows), "so_lieu.csv")
    assert parsed.ok, parsed.messages()
    importer.commit_unit_data(hue, parsed, fw, imported_by="kiểm thử")
    communes = storage.inputs.current_inputs(hue, "units_mini", "commune@Huế")
    assert set(communes["entity"]) == {"Phường Thuận Hóa", "Phường Phú Xuân"}
    res = score(fw.for_level("commune"), communes.drop(columns=["flag", "import_id"]))
    tot = res.total(2025).set_index("entity")
    assert tot.at["Phường Thuận Hóa", "points"] == pytest.approx(8 + 20 * 30 / 40)
    assert tot.at["Phường Thuận Hóa", "rank"] == 1 and tot.at["Phường Phú Xuân", "rank"] == 2
    assert fw.for_level("commune").max_points == 30
    dept = storage.inputs.current_inputs(hue, "units_mini", "department@Huế")
    res = score(fw.for_level("department"), dept.drop(columns=["flag", "import_id"]))
    assert res.total(2025).set_index("entity").at["Sở Nội vụ", "points"] == pytest.approx(9 + 2.5)
    assert storage.inputs.bases(hue, "units_mini", "commune@Huế") == ["self"]


@pytest.mark.parametrize("row, code", [
    ("Sở Nội vụ,2025,I.2,a,3", "criterion_not_for_level"),
    ("Phường Thuận Hóa,2024,I.1,points,3", "unit_not_valid_in_year"),
    ("Huyện Phú Vang,2026,I.1,points,3", "unit_not_valid_in_year"),
    ("Phường Không Có,2025,I.1,points,3", "unit_unknown_entity"),
])
def test_unit_data_refusals_write_nothing(hue, fw, row, code):
    before = storage.inputs.counts(hue)["raw_inputs"]
    parsed = importer.validate_unit_data(hue, fw, "Huế", _data([row]), "so_lieu.csv")
    assert code in [p.code for p in parsed.problems], parsed.messages()
    msg = next(m for p, m in zip(parsed.problems, parsed.messages()) if p.code == code)
    assert "Tệp “so_lieu.csv”" in msg and "dòng 2" in msg
    with pytest.raises(ValueError):
        importer.commit_unit_data(hue, parsed, fw, imported_by="kiểm thử")
    assert storage.inputs.counts(hue)["raw_inputs"] == before


def test_unit_data_needs_a_unit_list(store, fw):
    parsed = importer.validate_unit_data(store, fw, "Gia Lai", _data(["Sở Nội vụ,2025,I.1,points,3"]), "x.csv")
    assert [p.code for p in parsed.problems] == ["no_units"]
    assert "Gia Lai" in parsed.messages()[0]


def test_appraised_values_are_kept_beside_self_assessed(hue, fw):
    rows = ["Sở Nội vụ,2025,I.1,points,9"]
    p1 = importer.validate_unit_data(hue, fw, "Huế", _data(rows), "tu_danh_gia.csv")
    importer.commit_unit_data(hue, p1, fw, basis="self", imported_by="kiểm thử")
    p2 = importer.validate_unit_data(hue, fw, "Huế", _data(["Sở Nội vụ,2025,I.1,points,7"]), "tham_dinh.csv")
    importer.commit_unit_data(hue, p2, fw, basis="appraised", imported_by="kiểm thử")
    assert storage.inputs.bases(hue, "units_mini", "department@Huế") == ["self", "appraised"]
    self_v = storage.inputs.current_inputs(hue, "units_mini", "department@Huế", "self")["value"].tolist()
    appr_v = storage.inputs.current_inputs(hue, "units_mini", "department@Huế", "appraised")["value"].tolist()
    assert self_v == [9.0] and appr_v == [7.0]


def test_unit_list_is_versioned(hue):
    parsed = parse_units("Tên đơn vị,Cấp\nSở Nội vụ,Sở\n".encode(), "moi.csv")
    storage.units.save_units(hue, "Huế", parsed.data, file_name="moi.csv", sha256=parsed.sha256, flag="self_assessed",
                     imported_by="kiểm thử")
    assert storage.units.units(hue, "Huế")["name"].tolist() == ["Sở Nội vụ"]
    assert hue.query("SELECT count(DISTINCT import_id) AS n FROM units WHERE province = 'Huế'").iloc[0, 0] >= 2


def test_criterion_leads_keep_their_history(store):
    assert storage.units.assign_criterion_leads(store, "hue_units", "Huế", {"I.4": "Sở Nội vụ", "I.2": ""}, "kiểm thử") == 1
    assert storage.units.assign_criterion_leads(store, "hue_units", "Huế", {"I.4": "Sở Nội vụ"}, "kiểm thử") == 0  # unchanged
    assert storage.units.assign_criterion_leads(store, "hue_units", "Huế", {"I.4": "Văn phòng UBND"}, "kiểm thử") == 1
    leads = storage.units.criterion_leads(store, "hue_units", "Huế").set_index("code")["lead_agency"]
    assert leads.to_dict() == {"I.4": "Văn phòng UBND"}
    assert store.query("SELECT count(*) FROM criterion_leads").iloc[0, 0] == 2
    assert storage.units.criterion_leads(store, "hue_units", "Gia Lai").empty
