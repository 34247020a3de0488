"""Property and fuzz tests for every parser that reads outside input: whatever comes in, the answer is a
result or a FitGuideError (which the web layer renders as a 4xx with issues), never another exception,
a hang (each example runs under a deadline) or memory out of proportion to the input."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import tracemalloc
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.charts_import import parse_charts, parse_measurement
from catalog.products_import import parse_products
from catalog.service import parse_chart_upload, parse_product_upload
from catalog.tabular import UploadLimits, parse_json_bytes, read_table, table_from_json
from catalog.values import parse_number, parse_price
from fitguide.errors import FitGuideError
from guide.nlu.parser import MAX_MESSAGE_CHARS, parse
from sizing.size_systems import normalize_size_label, parse_haoxing
from sizing.units import parse_height, parse_length, parse_weight
from tests.catalog.conftest import xlsx_bytes

# Generous per-example deadline: it is there to catch a hang (catastrophic backtracking, a loop), not
# to measure speed on a busy machine.
FUZZ = settings(
    max_examples=150,
    deadline=5_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
LIMITS = UploadLimits(max_bytes=2 * 1024 * 1024, max_rows=2_000)

HEADERS = [
    "sku",
    "title",
    "price",
    "sizes",
    "stock",
    "size_chart",
    "category",
    "color",
    "chart_id",
    "size",
    "chest_cm",
    "waist",
    "hip_in",
    "weight_kg",
    "height",
    "尺码",
    "胸围",
    "价格",
    "\ufeffsku",
    "=1+1",
    "",
]
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            '=HYPERLINK("http://x")',
            "+cmd|' /C calc'!A0",
            "@SUM(A1)",
            "-1",
            "1e309",
            "nan",
            "inf",
            "¥1,299.00",
            "88-92",
            "34-36in",
            "88cm-36in",
            "170/88A",
            "S|M|L",
            "S:3|M:-1",
            "M:abc",
            "０１２",
            "一米七",
            "5'7\"",
            "\x00",
            "\r\n",
            '"',
            '"""',
            "𝟘𝟙",
            "\ud7ff",
            "NULL",
            "[]",
            "{}",
            "1" * 5000,
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r;\t') else value


@st.composite
def csv_documents(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(header) + 2), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    lines = [delimiter.join(_csv_cell(c) for c in header)]
    lines += [delimiter.join(_csv_cell(c) for c in row) for row in rows]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # corrupt a few bytes: invalid UTF-8, stray NULs, cut multibyte sequences
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data


def check_catalog_parse(data: bytes, filename: str | None) -> None:
    """Read, then interpret as products and as charts: results or FitGuideErrors only."""
    try:
        table = read_table(data, filename=filename, limits=LIMITS)
    except FitGuideError:
        return
    assert all(isinstance(row.number, int) for row in table.rows)
    for interpret in (parse_products, parse_charts):
        with contextlib.suppress(FitGuideError):
            interpret(table)


@FUZZ
@given(csv_documents(), st.sampled_from(["p.csv", "p.tsv", "p.txt", None]))
def test_csv_uploads_parse_or_fail_cleanly(data: bytes, filename: str | None) -> None:
    check_catalog_parse(data, filename)


@FUZZ
@given(st.binary(max_size=3_000), st.sampled_from(["x.csv", "x.json", "x.xlsx", "x.xls", None]))
def test_arbitrary_bytes_under_any_name_parse_or_fail_cleanly(data: bytes, filename: str | None) -> None:
    check_catalog_parse(data, filename)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), CELLS),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from([*HEADERS, "rows"]), children, max_size=6)
    ),
    max_leaves=40,
)


@FUZZ
@given(JSON_VALUES, st.sampled_from(["products", "charts", "lines"]))
def test_json_documents_parse_or_fail_cleanly(document: Any, list_key: str) -> None:
    data = json.dumps(document, ensure_ascii=False).encode()
    check_catalog_parse(data, "x.json")
    try:
        table = table_from_json(document, LIMITS, list_key)
    except FitGuideError:
        return
    for interpret in (parse_products, parse_charts):
        with contextlib.suppress(FitGuideError):
            interpret(table)


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
    rows: list[list[Any]] = [header]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        rows.append(
            draw(
                st.lists(
                    st.one_of(
                        CELLS.filter(lambda s: not any(ord(c) < 32 and c not in "\t\n\r" for c in s)),
                        st.sampled_from(
                            ["=1+1", "=SUM(A1:A2)", '=HYPERLINK("http://evil","x")', "=cmd|'/c calc'!A1"]
                        ),
                        st.integers(min_value=-(10**12), max_value=10**12),
                        st.floats(allow_nan=False, allow_infinity=False),
                        st.none(),
                    ),
                    max_size=len(header) + 1,
                )
            )
        )
    return xlsx_bytes(rows)


@settings(FUZZ, max_examples=60)
@given(workbooks(), st.booleans())
def test_xlsx_workbooks_with_formulas_parse_or_fail_cleanly(data: bytes, truncate: bool) -> None:
    if truncate:
        data = data[: len(data) // 2]
    check_catalog_parse(data, "x.xlsx")


@settings(FUZZ, max_examples=300)
@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(
            r"\s*[0-9.一二三四五六七八九十两米]{0,8}\s*(cm|m|米|公分|厘米|kg|公斤|斤|lb|lbs|in|inch|'|\"|ft)?\s*[0-9.]{0,4}\s*(in|\"|')?",
            fullmatch=True,
        ),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**30), max_value=10**30),
    )
)
def test_body_values_parse_or_fail_cleanly(raw: Any) -> None:
    for parser in (parse_height, parse_weight, lambda value: parse_length(value, "chest")):
        try:
            value = parser(raw)
        except FitGuideError as error:
            assert error.issues and error.message
            continue
        assert isinstance(value, float)


@settings(FUZZ, max_examples=300)
@given(
    st.one_of(CELLS, st.text(alphabet="0123456789.-~～至到 cminchkglb\"'″”", max_size=30)),
    st.sampled_from(["cm", "in", "kg"]),
)
def test_chart_cell_and_label_parsers_never_raise(raw: str, unit: str) -> None:
    result = parse_measurement(raw, unit)
    assert result is None or (isinstance(result[0], float) and isinstance(result[1], float))
    parse_number(raw)
    with contextlib.suppress(FitGuideError):
        parse_price(raw)
    normalize_size_label(raw)
    parse_haoxing(raw)


MESSAGE_ALPHABET = st.characters(codec="utf-8", exclude_categories=["Cs"])


@settings(FUZZ, max_examples=300)
@given(
    st.one_of(
        st.text(MESSAGE_ALPHABET, max_size=MAX_MESSAGE_CHARS),
        st.lists(
            st.sampled_from(
                [
                    "红色",
                    "连衣裙",
                    "不要",
                    "黑色",
                    "1米65",
                    "165cm",
                    "55kg",
                    "110斤",
                    "5'6\"",
                    "300以下",
                    "200-400",
                    "under",
                    "cheaper",
                    "size",
                    "M",
                    "XL",
                    "S码",
                    "170/88A",
                    "not",
                    "blue",
                    "linen",
                    "dress",
                    "for",
                    "work",
                    "summer",
                    "像",
                    "第二个",
                    "那件",
                    "便宜点",
                    "大一号",
                    "9" * 40,
                    " ",
                    "，",
                    "?",
                    "!",
                ]
            ),
            max_size=60,
        ).map(" ".join),
    ),
    st.sampled_from([None, "zh", "en"]),
)
def test_chat_messages_always_parse(message: str, lang: str | None) -> None:
    parsed = parse(message[:MAX_MESSAGE_CHARS], lang, brands=("Acme", "ONLY", "Nike"))
    assert parsed.lang in ("zh", "en")
    assert isinstance(parsed.text_for_search, str) and parsed.intent


# ---------------------------------------------------------------- the named hostile cases


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        # 300 MB of zeros, written in 1 MB chunks so the test itself never holds them.
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            chunk = b"0" * (1024 * 1024)
            for _ in range(300):
                entry.write(chunk)
    return buffer.getvalue()


def _deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@functools.cache
def hostile_files() -> dict[str, tuple[bytes, str | None]]:
    """Named hostile uploads (built once, on first use, not at import)."""
    return {
        "huge field": (b"sku,title,price\nA," + b"x" * 1_500_000 + b",9\n", "p.csv"),
        "huge quoted field": (b'sku,title,price\nA,"' + b"y" * 1_500_000 + b'",9\n', "p.csv"),
        "unterminated quote": (b'sku,title,price\nA,"never closed,9\n' + b"B,t,1\n" * 10_000, "p.csv"),
        "many columns": ((",".join(f"c{i}" for i in range(50_000)) + "\n" + "1," * 50_000).encode(), "p.csv"),
        "many blank lines": (b"sku,title,price\n" + b"\n" * 100_000, "p.csv"),
        "deep json 10k": (_deep_json(10_000), "p.json"),
        "deep json 100k": (_deep_json(100_000), "p.json"),
        "deep object json": (b'{"a":' * 20_000 + b"1" + b"}" * 20_000, "p.json"),
        "json number bomb": (b'[{"sku": "A", "title": "t", "price": 1' + b"0" * 100_000 + b"}]", "p.json"),
        "invalid utf-8": (b"sku,title,price\nA,\xff\xfe\xc3\x28 tee,9\n", "p.csv"),
        "invalid utf-8 json": (b'[{"sku": "\xff\xfe"}]', "p.json"),
        "utf-16 bom": ("sku,title,price\nA,Tee,9\n".encode("utf-16"), "p.csv"),
        "utf-8 bom twice": ("\ufeff\ufeffsku,title,price\nA,Tee,9\n".encode(), "p.csv"),
        "nul bytes": (b"sku,title,price\nA,T\x00ee,9\n", "p.csv"),
        "formula cells": (b'sku,title,price\n=1+1,=HYPERLINK("http://evil"),@SUM(A1)\n', "p.csv"),
        "mixed units": (b"chart_id,size,chest,waist_in,hip_cm\nc,M,88cm-36in,30-32,90 in\n", "c.csv"),
        "xls (ole2)": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "p.xls"),
        "not a zip": (b"PK\x03\x04garbage" * 100, "p.xlsx"),
        "zip bomb": (_zip_bomb(), "p.xlsx"),
        "xlsx formulas": (
            xlsx_bytes([["sku", "title", "price"], ["A", "=1+1", "=SUM(B2:B3)"], ["B", "t", 5]]),
            "p.xlsx",
        ),
    }


HOSTILE_NAMES = [
    "huge field",
    "huge quoted field",
    "unterminated quote",
    "many columns",
    "many blank lines",
    "deep json 10k",
    "deep json 100k",
    "deep object json",
    "json number bomb",
    "invalid utf-8",
    "invalid utf-8 json",
    "utf-16 bom",
    "utf-8 bom twice",
    "nul bytes",
    "formula cells",
    "mixed units",
    "xls (ole2)",
    "not a zip",
    "zip bomb",
    "xlsx formulas",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_named_hostile_files_fail_cleanly_in_bounded_memory(name: str) -> None:
    data, filename = hostile_files()[name]
    limits = UploadLimits(max_bytes=4 * 1024 * 1024, max_rows=50_000)
    tracemalloc.start()
    try:
        for parse_upload in (parse_product_upload, parse_chart_upload):
            try:
                parsed = parse_upload(data, filename=filename, limits=limits)
            except FitGuideError as error:
                assert error.message and error.localized("zh")
                continue
            assert parsed is not None
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Memory stays within a small multiple of the (already size-limited) input.
    assert peak < 40 * max(len(data), 1_000_000) and peak < 200 * 1024 * 1024, (name, peak)


def test_deep_json_bodies_fail_with_a_clear_error() -> None:
    for depth in (10_000, 100_000):
        with pytest.raises(FitGuideError) as caught:
            table_from_json(parse_json_bytes(_deep_json(depth)), LIMITS, "products")
        assert caught.value.code == "bad_json"


@pytest.mark.parametrize(
    "raw",
    [
        "1" * 5_000,
        "一" * 5_000,
        "一米" * 2_000,
        "1米" + "6" * 5_000,
        "5'" * 3_000,
        "5 ft " * 2_000,
        "1." * 5_000,
        "9" * 4_400 + "cm",
        "一十" * 3_000,
        " " * 10_000 + "170",
        "170/88A" * 1_000,
    ],
)
def test_pathological_body_values_are_refused_quickly(raw: str) -> None:
    for parser in (parse_height, parse_weight, lambda value: parse_length(value, "waist")):
        with contextlib.suppress(FitGuideError):
            parser(raw)
    parse(raw[:MAX_MESSAGE_CHARS])
    parse_measurement(raw, "cm")
    normalize_size_label(raw)
    parse_haoxing(raw)
