"""Reading upload files: encodings, delimiters, XLSX safety, JSON shapes, limits."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.tabular import UploadLimits, detect_format, read_csv, read_table, read_xlsx, table_from_json
from fitguide.errors import FitGuideError, InvalidInput, TooLarge
from tests.catalog.conftest import xlsx_bytes


def test_utf8_bom_and_row_numbers_as_in_a_spreadsheet() -> None:
    table = read_csv("\ufeffsku,title\nA,Tee\n\nB,Shirt\n".encode())
    assert table.columns == ["sku", "title"]
    assert [(row.number, row.values["sku"]) for row in table.rows] == [(2, "A"), (4, "B")]


def test_gbk_excel_export_is_decoded() -> None:
    table = read_csv("货号,标题\nA1,纯棉T恤\n".encode("gbk"))
    assert table.columns == ["货号", "标题"]
    assert table.rows[0].values["标题"] == "纯棉T恤"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(delimiter: str) -> None:
    text = delimiter.join(["sku", "title", "price"]) + "\n" + delimiter.join(["A", "Tee, red", "9"]) + "\n"
    if delimiter == ",":
        text = 'sku,title,price\nA,"Tee, red",9\n'
    table = read_csv(text.encode())
    assert table.rows[0].values == {"sku": "A", "title": "Tee, red", "price": "9"}


def test_csv_formula_text_is_an_issue_not_data() -> None:
    table = read_csv(b'sku,title\nA,"=HYPERLINK(""http://evil"",""x"")"\n')
    assert "title" not in table.rows[0].values
    assert [(i.row, i.column, i.code) for i in table.issues] == [(2, "title", "formula")]


def test_duplicate_headers_and_extra_cells_are_reported() -> None:
    table = read_csv(b"sku,sku\nA,B,C\n")
    codes = {issue.code for issue in table.issues}
    assert codes == {"duplicate_column", "extra_cells"}


def test_row_and_size_limits() -> None:
    with pytest.raises(InvalidInput) as info:
        read_csv(b"sku\n" + b"A\n" * 11, UploadLimits(max_rows=10))
    assert info.value.code == "too_many_rows"
    with pytest.raises(TooLarge):
        read_csv(b"sku\nA\n", UploadLimits(max_bytes=5))


def test_undecodable_and_binary_input_are_clear_errors() -> None:
    with pytest.raises(InvalidInput) as info:
        read_csv(b"sku\n\x00\x01\x02")
    assert info.value.code == "bad_encoding"
    with pytest.raises(InvalidInput):
        read_table(b"\xd0\xcf\x11\xe0 old excel", filename="old.xls")


def test_xlsx_is_read_with_numbers_and_row_numbers() -> None:
    data = xlsx_bytes(
        [["sku", "title", "price"], ["A", "Tee", 199.0], [None, None, None], ["B", "Shirt", 89.5]]
    )
    table = read_table(data, filename="products.xlsx")
    assert [(row.number, row.values) for row in table.rows] == [
        (2, {"sku": "A", "title": "Tee", "price": 199}),
        (4, {"sku": "B", "title": "Shirt", "price": 89.5}),
    ]


def test_xlsx_formula_cell_is_rejected_not_evaluated() -> None:
    data = xlsx_bytes([["sku", "title", "price"], ["A", "Tee", "=1+1"], ["B", '=HYPERLINK("http://x")', 5]])
    table = read_xlsx(data)
    assert sorted((i.row, i.column, i.code) for i in table.issues) == [
        (2, "price", "formula"),
        (3, "title", "formula"),
    ]
    assert "price" not in table.rows[0].values


def _zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bomb_is_rejected_before_parsing() -> None:
    bomb = _zip_with({"xl/worksheets/sheet1.xml": b"0" * 2_000_000})
    assert len(bomb) < 20_000  # highly compressible: the shape of a zip bomb
    with pytest.raises(TooLarge) as info:
        read_table(bomb, filename="bomb.xlsx", limits=UploadLimits(xlsx_max_uncompressed_bytes=1_000_000))
    assert info.value.code == "xlsx_too_large"


def test_zip_with_too_many_entries_is_rejected() -> None:
    many = _zip_with({f"x/{i}.xml": b"" for i in range(30)})
    with pytest.raises(InvalidInput) as info:
        read_xlsx(many, UploadLimits(xlsx_max_entries=10))
    assert info.value.code == "xlsx_too_complex"


def test_broken_xlsx_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as info:
        read_table(b"PK\x03\x04 not really a zip", filename="x.xlsx")
    assert info.value.code == "bad_xlsx"


@pytest.mark.parametrize(
    "document",
    [
        [{"sku": "A", "title": "Tee"}],
        {"products": [{"sku": "A", "title": "Tee"}]},
    ],
)
def test_json_list_or_wrapped(document: object) -> None:
    table = read_table(json.dumps(document).encode(), filename="p.json")
    assert table.rows[0].values == {"sku": "A", "title": "Tee"}
    assert table.rows[0].number == 1


def test_json_chart_rows_may_be_nested() -> None:
    document = {
        "charts": [{"chart_id": "c", "rows": [{"size": "S", "chest_cm": 86}, {"size": "M", "chest_cm": 90}]}]
    }
    table = table_from_json(document, list_key="charts")
    assert [row.values for row in table.rows] == [
        {"chart_id": "c", "size": "S", "chest_cm": 86},
        {"chart_id": "c", "size": "M", "chest_cm": 90},
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'[{"sku": "A",}]', "bad_json"),
        (b'[{"sku": "\xff"}]', "bad_encoding"),
        (b'{"products": 3}', "bad_json"),
        (b"[" * 50 + b"]" * 50, "bad_json"),
        (b"[" * 100_000 + b"]" * 100_000, "bad_json"),
    ],
)
def test_invalid_json_is_a_clear_error(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_table(data, filename="p.json")
    assert info.value.code == code


def test_format_detection_by_name_type_and_content() -> None:
    assert detect_format(b"PK\x03\x04...") == "xlsx"
    assert detect_format(b"  [{}]") == "json"
    assert detect_format(b"sku,title") == "csv"
    assert detect_format(b"sku", content_type="application/json") == "json"
    assert detect_format(b"x", filename="a.XLSX") == "xlsx"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(lambda t: t.encode("utf-8"))))
def test_csv_parser_raises_only_domain_errors(data: bytes) -> None:
    with contextlib.suppress(FitGuideError):
        read_csv(data, UploadLimits(max_rows=20))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,;\t"\n\r=\x00中 ')), max_size=200))
def test_csv_parser_on_delimiter_and_quote_soup(text: str) -> None:
    with contextlib.suppress(FitGuideError):
        read_csv(text.encode("utf-8"), UploadLimits(max_rows=20))


def test_blank_header_cells_without_data_are_ignored() -> None:
    table = read_csv(b"sku,title,,\nA,Tee,,\nB,Shirt,,x\n")
    assert table.columns == ["sku", "title", "column 4"]
    assert table.rows[1].values == {"sku": "B", "title": "Shirt", "column 4": "x"}


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b)),
    st.sampled_from(["f.csv", "f.xlsx", "f.json", None]),
)
def test_any_upload_raises_only_domain_errors(data: bytes, filename: str | None) -> None:
    with contextlib.suppress(FitGuideError):
        read_table(data, filename=filename, limits=UploadLimits(max_rows=20))


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"  \n\n", "p.csv", "empty_file"),
        (b"\xd0\xcf\x11\xe0 old", "p.xls", "unsupported_format"),
        (b"sku,title\nA," + b"x" * 140_000 + b"\n", "p.csv", "bad_csv"),
    ],
)
def test_whole_file_error_kinds(data: bytes, filename: str, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_table(data, filename=filename)
    assert info.value.code == code and info.value.message and info.value.message_zh
