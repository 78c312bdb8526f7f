"""One format for counts, sizes and times; one vocabulary of origin (table-driven)."""
import pytest

from dashboard import fmt, provenance


@pytest.mark.parametrize("value, lang, expected", [
    (2108, "vi", "2.108"), (1000000, "vi", "1.000.000"), (2108.6, "vi", "2.109"), (None, "vi", "—"),
    (float("nan"), "vi", "—"), (2108, "en", "2,108"), (0, "vi", "0"),
])
def test_count(value, lang, expected):
    assert fmt.count(value, lang) == expected


@pytest.mark.parametrize("nbytes, expected", [
    (404, "404 B"), (72.4 * 1024, "72,4 KB"), (31.5 * 1024 ** 2, "31,5 MB"), (2 * 1024 ** 3, "2,0 GB"),
])
def test_file_size(nbytes, expected):
    assert fmt.file_size(nbytes) == expected


@pytest.mark.parametrize("stored, expected_dt, expected_day", [
    ("2026-12-07 19:35:00", "08/12/2026 02:35", "08/12/2026"),     # naive = UTC: next day in Vietnam
    ("2026-12-07 10:00:00+07:00", "07/12/2026 10:00", "07/12/2026"),
    (None, "", ""),
])
def test_vietnam_time(stored, expected_dt, expected_day):
    assert fmt.vn_datetime(stored) == expected_dt
    assert fmt.vn_date(stored) == expected_day


@pytest.mark.parametrize("kind, expected", [
    ("official", "Công bố chính thức"), ("press+third_party", "Báo chí + Tổng hợp của bên thứ ba (không chính thức)"),
    ("derived_mean", "Suy ra (trung bình các tỉnh hợp thành)"), ("self", "Số liệu tự nhập"),
    ("appraised", "Kết quả thẩm định"), ("sample", "DỮ LIỆU MẪU"), ("plan", "Kế hoạch"), (None, ""),
])
def test_provenance_words(kind, expected):
    assert provenance.label(kind) == expected


def test_every_kind_has_words_in_both_languages():
    for lang in ("vi", "en"):
        for k in provenance.KINDS:
            assert provenance.label(k, lang) and not provenance.label(k, lang).startswith("ui.")


@pytest.mark.parametrize("kind, published, derived", [
    ("official", True, False), ("press+third_party", True, False), ("derived_sort", False, True),
    ("sample", False, False), ("self_assessed", False, False),
])
def test_kind_classes(kind, published, derived):
    assert provenance.is_published(kind) is published and provenance.is_derived(kind) is derived
