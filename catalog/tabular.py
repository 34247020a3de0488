"""Reading merchant upload files (CSV, XLSX, JSON) into one neutral shape: a header and numbered rows.

Nothing here knows what a product or a size chart is; ``catalog.products_import`` and
``catalog.charts_import`` interpret the columns. Every failure is a typed ``InvalidInput`` or
``TooLarge`` so the web layer answers 422/413 and the CLI prints it; no other exception escapes.

Row numbers are what the merchant sees in a spreadsheet: the header is row 1, the first data row is 2.
For JSON the row number is the 1-based position of the object in the list.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fitguide.errors import InvalidInput, Issue, TooLarge

# A decompressed XLSX is XML; these bound the work an adversarial (zip bomb) file can cause.
XLSX_MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
XLSX_MAX_ENTRIES = 2_000
JSON_MAX_DEPTH = 6
# A catalog has a few dozen columns; tens of thousands of them (a few MB of commas) would cost hundreds of
# MB of row dicts and one issue each.
MAX_COLUMNS = 1_000
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000
    xlsx_max_uncompressed_bytes: int = XLSX_MAX_UNCOMPRESSED_BYTES
    xlsx_max_entries: int = XLSX_MAX_ENTRIES


@dataclass
class Row:
    number: int
    values: dict[str, Any]


@dataclass
class Table:
    """Columns as written in the file (order kept) and the non-empty data rows."""

    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    # Cells that cannot be data at all (spreadsheet formulas); the interpreters add them to their issues.
    issues: list[Issue] = field(default_factory=list)


def _fail(message: str, message_zh: str, code: str) -> InvalidInput:
    return InvalidInput(message, message_zh, code=code)


def _too_many_rows(limits: UploadLimits) -> InvalidInput:
    return _fail(
        f"The file has more than {limits.max_rows} data rows; split it into smaller files.",
        f"文件数据行超过 {limits.max_rows} 行，请拆分成多个较小的文件上传。",
        "too_many_rows",
    )


def check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise TooLarge(
            f"The file is {size} bytes; the limit is {limits.max_bytes} bytes.",
            f"文件大小为 {size} 字节，超过上限 {limits.max_bytes} 字节。",
            code="file_too_large",
        )


def is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def formula_issue(row: int, column: str, value: str) -> Issue:
    return Issue(
        reason="Spreadsheet formulas are not accepted; paste the value instead.",
        reason_zh="不接受电子表格公式，请粘贴数值本身。",
        row=row,
        column=column,
        value=value[:200],
        code="formula",
    )


def detect_format(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """'xlsx', 'json' or 'csv' from the file name, the content type, then the first bytes."""
    name = (filename or "").lower()
    ctype = (content_type or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or "spreadsheetml" in ctype:
        return "xlsx"
    if name.endswith(".json") or "json" in ctype:
        return "json"
    if name.endswith((".csv", ".tsv", ".txt")) or "csv" in ctype:
        return "csv"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(
            "Old Excel .xls files are not supported; save as .xlsx or CSV.",
            "不支持旧版 Excel .xls 文件，请另存为 .xlsx 或 CSV。",
            "unsupported_format",
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return "json"
    return "csv"


def read_table(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    limits: UploadLimits | None = None,
    list_key: str = "products",
) -> Table:
    """Parse an uploaded file of any supported format; ``list_key`` is the JSON wrapper key."""
    limits = limits or UploadLimits()
    check_size(len(data), limits)
    if not data.strip():
        raise _fail("The file is empty.", "文件为空。", "empty_file")
    fmt = detect_format(data, filename, content_type)
    if fmt == "xlsx":
        return read_xlsx(data, limits)
    if fmt == "json":
        return table_from_json(parse_json_bytes(data), limits, list_key)
    return read_csv(data, limits)


# ---------------------------------------------------------------- CSV


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Chinese Excel exports)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _fail(
            "The file is neither UTF-8 nor GBK/GB18030 text; save it as 'CSV UTF-8'.",
            "文件既不是 UTF-8 也不是 GBK/GB18030 编码，请另存为“CSV UTF-8”格式。",
            "bad_encoding",
        ) from None


def sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _unique_headers(raw: list[str]) -> tuple[list[str], list[Issue]]:
    headers: list[str] = []
    issues: list[Issue] = []
    seen: set[str] = set()
    for index, name in enumerate(raw):
        name = unicodedata.normalize("NFC", str(name if name is not None else "")).strip()
        if not name:
            name = f"column {index + 1}"
        if name in seen:
            issues.append(
                Issue(
                    reason=f"The column '{name}' appears twice.",
                    reason_zh=f"列“{name}”重复出现。",
                    row=1,
                    column=name,
                    code="duplicate_column",
                )
            )
            name = f"{name} ({index + 1})"
        seen.add(name)
        headers.append(name)
    return headers, issues


def _too_many_columns(count: int) -> InvalidInput:
    return _fail(
        f"The file has {count} columns; at most {MAX_COLUMNS} are accepted.",
        f"文件有 {count} 列，最多接受 {MAX_COLUMNS} 列。",
        "too_many_columns",
    )


def _build_table(header: list[Any], records: Iterable[tuple[int, list[Any]]], limits: UploadLimits) -> Table:
    """``records`` yields (row number, cell values); empty rows are skipped but keep their numbers."""
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(len(header))
    columns, issues = _unique_headers(list(header))
    table = Table(columns=columns, issues=issues)
    for number, cells in records:
        values: dict[str, Any] = {}
        for index, raw in enumerate(cells):
            value = _cell(raw)
            if value is None:
                continue
            if index >= len(columns):
                table.issues.append(
                    Issue(
                        reason="This row has more cells than the header has columns.",
                        reason_zh="此行的单元格多于表头的列数。",
                        row=number,
                        column=None,
                        value=str(value)[:200],
                        code="extra_cells",
                    )
                )
                break
            values[columns[index]] = value
        if not values:
            continue
        if len(table.rows) >= limits.max_rows:
            raise _too_many_rows(limits)
        table.rows.append(Row(number, values))
    # A blank header cell (Excel often exports trailing empty columns) matters only if it has data.
    blank = {name for raw, name in zip(header, columns, strict=False) if raw is None or not str(raw).strip()}
    if blank:
        used = {name for row in table.rows for name in row.values}
        table.columns = [name for name in columns if name not in blank or name in used]
    return table


def _bounded(
    records: Iterable[tuple[int, list[Any]]], limits: UploadLimits
) -> Iterable[tuple[int, list[Any]]]:
    """Stop after as many lines as the XLSX reader scans: millions of blank lines cost seconds of CPU."""
    max_scanned = limits.max_rows * 10 + 1_000
    for offset, record in enumerate(records):
        if offset > max_scanned:
            raise _too_many_rows(limits)
        yield record


def read_csv(data: bytes, limits: UploadLimits | None = None) -> Table:
    limits = limits or UploadLimits()
    check_size(len(data), limits)
    text = decode_text(data)
    if "\x00" in text:
        raise _fail(
            "The file contains NUL bytes; it is not a text CSV file.",
            "文件包含 NUL 字节，不是文本 CSV 文件。",
            "bad_encoding",
        )
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise _fail("The file is empty.", "文件为空。", "empty_file")
    delimiter = sniff_delimiter(first_line)
    # csv's default field limit (128 KiB) is kept: it is process-wide state, and longer cells are not data.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Leading blank lines are skipped; the header is the first non-blank row.
        header: list[str] = []
        header_row = 0
        for header_row, candidate in enumerate(reader, start=1):  # noqa: B007
            if any(cell.strip() for cell in candidate):
                header = candidate
                break
        if not header:
            raise _fail("The file has no header row.", "文件没有表头行。", "empty_file")
        records = _bounded(((header_row + 1 + offset, cells) for offset, cells in enumerate(reader)), limits)
        return reject_formulas(_build_table(header, records, limits))
    except csv.Error as error:
        raise _fail(
            f"The CSV file cannot be read near line {reader.line_num}: {error}.",
            f"CSV 文件在第 {reader.line_num} 行附近无法读取：{error}。",
            "bad_csv",
        ) from None


# ---------------------------------------------------------------- XLSX


def check_zip(data: bytes, limits: UploadLimits) -> None:
    """Refuse archives whose declared contents are huge before any XML is parsed.

    zipfile stops at the declared size and fails the CRC check if an entry lies about it,
    so the declared sizes bound the real work.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _fail(
            "The file is not a valid .xlsx workbook.", "文件不是有效的 .xlsx 工作簿。", "bad_xlsx"
        ) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.xlsx_max_entries:
            raise _fail(
                f"The workbook has {len(entries)} parts; at most {limits.xlsx_max_entries} are accepted.",
                f"工作簿包含 {len(entries)} 个部件，最多接受 {limits.xlsx_max_entries} 个。",
                "xlsx_too_complex",
            )
        total = sum(entry.file_size for entry in entries)
        if total > limits.xlsx_max_uncompressed_bytes:
            raise TooLarge(
                f"The workbook unpacks to {total} bytes; the limit is "
                f"{limits.xlsx_max_uncompressed_bytes} bytes.",
                f"工作簿解压后为 {total} 字节，超过上限 {limits.xlsx_max_uncompressed_bytes} 字节。",
                code="xlsx_too_large",
            )


def _xlsx_cell_value(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_xlsx(data: bytes, limits: UploadLimits | None = None) -> Table:
    """The first worksheet; formulas are reported, never evaluated (openpyxl has no evaluator)."""
    import openpyxl

    limits = limits or UploadLimits()
    check_size(len(data), limits)
    check_zip(data, limits)
    try:
        # data_only=False so a formula shows as its '=...' text and can be rejected, rather than as a
        # cached result the merchant cannot see in the cell.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise _fail(
            "The file is not a readable .xlsx workbook.", "文件不是可读取的 .xlsx 工作簿。", "bad_xlsx"
        ) from None
    formula_cells: list[tuple[int, int, str]] = []
    try:
        if not workbook.worksheets:
            raise _fail("The workbook has no worksheet.", "工作簿中没有工作表。", "empty_file")
        sheet = workbook.worksheets[0]
        # Bound the walk over empty styled rows too, not only the non-empty ones.
        max_scanned = limits.max_rows * 10 + 1_000
        header: list[Any] | None = None
        header_number = 0
        body: list[list[Any]] = []
        body_numbers: list[int] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > max_scanned:
                raise _too_many_rows(limits)
            values = []
            for index, cell in enumerate(cells):
                value = _xlsx_cell_value(cell)
                if getattr(cell, "data_type", None) == "f" or is_formula(value):
                    formula_cells.append((number, index, str(value)))
                    value = None
                values.append(value)
            if header is None:
                if any(v is not None and str(v).strip() for v in values):
                    header, header_number = values, number
                continue
            if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                if len(body) >= limits.max_rows:
                    raise _too_many_rows(limits)
                body.append(values)
                body_numbers.append(number)
    except InvalidInput:
        raise
    except Exception:
        raise _fail("The workbook's content cannot be read.", "无法读取工作簿内容。", "bad_xlsx") from None
    finally:
        workbook.close()
    if header is None:
        raise _fail("The workbook's first sheet is empty.", "工作簿的第一个工作表为空。", "empty_file")
    while header and (header[-1] is None or not str(header[-1]).strip()):
        header.pop()
    table = _build_table(header, zip(body_numbers, body, strict=True), limits)
    names, _issues = _unique_headers(list(header))
    for number, index, text in formula_cells:
        column = names[index] if index < len(names) and number != header_number else f"column {index + 1}"
        table.issues.append(formula_issue(number, column, text))
    return table


# ---------------------------------------------------------------- JSON


def parse_json_bytes(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _fail(
            f"The JSON is not valid UTF-8 (byte {error.start}).",
            f"JSON 不是有效的 UTF-8 编码（第 {error.start} 字节）。",
            "bad_encoding",
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(
            f"Invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}.",
            f"JSON 格式错误：第 {error.lineno} 行第 {error.colno} 列：{error.msg}。",
            "bad_json",
        ) from None
    except RecursionError:
        raise _fail("The JSON is nested too deeply.", "JSON 嵌套层级过深。", "bad_json") from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise _fail(
            "The JSON holds a number too long to read.", "JSON 中的数字过长，无法读取。", "bad_json"
        ) from None


def _depth(value: Any, limit: int, level: int = 0) -> int:
    if level > limit:
        return level
    if isinstance(value, dict):
        return max((_depth(v, limit, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, limit, level + 1) for v in value), default=level + 1)
    return level


def _json_scalar(value: Any) -> Any:
    """Lists and small objects are kept for sizes/stock (['S','M'], {'S': 3}); the rest is text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def table_from_json(document: Any, limits: UploadLimits | None = None, list_key: str = "products") -> Table:
    """A list of flat objects, or ``{list_key: [...]}``.

    A size-chart object may carry its rows nested (``{"chart_id": ..., "rows": [{"size": "M", ...}]}``);
    those rows are flattened and inherit the chart's fields, numbered in flattened order.
    """
    limits = limits or UploadLimits()
    if isinstance(document, dict):
        items = document.get(list_key)
        if items is None and len(document) == 1:
            items = next(iter(document.values()))
    else:
        items = document
    if not isinstance(items, list):
        raise _fail(
            f'The JSON must be a list of objects or {{"{list_key}": [...]}}.',
            f'JSON 必须是对象列表，或 {{"{list_key}": [...]}}。',
            "bad_json",
        )
    if _depth(items, JSON_MAX_DEPTH) > JSON_MAX_DEPTH:
        raise _fail(
            f"The JSON is nested deeper than {JSON_MAX_DEPTH} levels.",
            f"JSON 嵌套超过 {JSON_MAX_DEPTH} 层。",
            "bad_json",
        )
    flat: list[tuple[int, dict[str, Any] | None]] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("rows"), list):
            shared = {k: v for k, v in item.items() if k != "rows"}
            for sub in item["rows"]:
                flat.append((len(flat) + 1, {**shared, **sub} if isinstance(sub, dict) else None))
        else:
            flat.append((len(flat) + 1, item if isinstance(item, dict) else None))
        if len(flat) > limits.max_rows:
            raise _too_many_rows(limits)
    columns: list[str] = []
    seen: set[str] = set()
    table = Table(columns=columns)
    for number, item in flat:
        if item is None:
            table.issues.append(
                Issue(
                    reason="Each entry must be a JSON object.",
                    reason_zh="每一项都必须是 JSON 对象。",
                    row=number,
                    code="bad_json",
                )
            )
            continue
        values: dict[str, Any] = {}
        for key, raw in item.items():
            name = unicodedata.normalize("NFC", str(key)).strip()
            if name not in seen:
                seen.add(name)
                columns.append(name)
                if len(columns) > MAX_COLUMNS:
                    raise _too_many_columns(len(columns))
            value = _cell(_json_scalar(raw))
            if value is None or value == [] or value == {}:
                continue
            if is_formula(value):
                table.issues.append(formula_issue(number, name, value))
                continue
            values[name] = value
        if values:
            table.rows.append(Row(number, values))
    return table


def reject_formulas(table: Table) -> Table:
    """Text cells that look like formulas ('=HYPERLINK(...)') become issues and are dropped."""
    for row in table.rows:
        for column, value in list(row.values.items()):
            if is_formula(value):
                table.issues.append(formula_issue(row.number, column, value))
                del row.values[column]
    return table
