"""Interpreting an uploaded product table: column mapping, value normalisation, every problem at once.

Pure functions: no database, no web. ``catalog.service`` adds the checks that need stored data
(size-chart references) and writes the result.

Decisions worth knowing:
- category, colour, material, season and occasion map onto ``catalog.taxonomy``; an unknown value is
  kept lowercased as free text (not an error) and counted in the report's ``unknown_values``.
- gender must be one of men / women / unisex (or 男 / 女 / 男女同款 ...): sizing depends on it.
- sizes are split on ``|``, ``,``, ``;`` and ``、`` only, never ``/`` (``170/88A`` is one 号型 label).
- stock ``S:3|M:0`` must name listed sizes; without a sizes column the stock names the sizes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from catalog.columns import attribute_name, product_field
from catalog.tabular import Table
from catalog.values import (
    UnknownValues,
    canonical_term,
    drop_shadowed,
    is_http_url,
    make_issue,
    no_rows_issue,
    parse_currency,
    parse_price,
    split_list,
    text,
)
from fitguide.errors import Issue
from sizing.size_systems import normalize_size_label

MAX_LENGTHS = {
    "sku": 128,
    "title": 500,
    "title_zh": 500,
    "description": 20_000,
    "brand": 200,
    "category": 100,
    "color": 50,
    "material": 100,
    "season": 50,
    "occasion": 50,
    "size_chart": 128,
}
MAX_PRICE = 10_000_000
MAX_STOCK = 10_000_000
MAX_ATTRIBUTE_LENGTH = 2_000
FREE_TERM_FIELDS = ("category", "color", "material", "season", "occasion")
_SKU = re.compile(r"^[^\s\x00-\x1f][^\x00-\x1f]*$")


@dataclass
class ProductInput:
    row: int
    sku: str
    title: str
    price: float
    currency: str = "CNY"
    title_zh: str | None = None
    description: str | None = None
    brand: str | None = None
    category: str | None = None
    gender: str | None = None
    color: str | None = None
    material: str | None = None
    season: str | None = None
    occasion: str | None = None
    size_chart_id: str | None = None
    image_url: str | None = None
    url: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    # (size label, stock or None when not given), smallest first as the merchant listed them.
    variants: list[tuple[str, int | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "title": self.title,
            "title_zh": self.title_zh,
            "description": self.description,
            "brand": self.brand,
            "category": self.category,
            "gender": self.gender,
            "color": self.color,
            "material": self.material,
            "season": self.season,
            "occasion": self.occasion,
            "price": self.price,
            "currency": self.currency,
            "size_chart_id": self.size_chart_id,
            "image_url": self.image_url,
            "url": self.url,
            "attributes": dict(self.attributes),
            "variants": [{"size": size, "stock": stock} for size, stock in self.variants],
        }


@dataclass
class ParsedProducts:
    products: list[ProductInput]
    issues: list[Issue]
    unknown_values: UnknownValues
    # (row, column, chart id) for every row naming a chart, also rows rejected for other reasons, so a
    # missing chart is reported together with the rest.
    chart_references: list[tuple[int, str, str]] = field(default_factory=list)


def map_product_columns(columns: list[str]) -> tuple[dict[str, str], dict[str, str], list[Issue]]:
    """(file column -> field, file column -> attribute name, issues for unknown/duplicate columns)."""
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    issues: list[Issue] = []
    used: dict[str, str] = {}
    for column in columns:
        name = product_field(column)
        if name is not None:
            if name in used:
                issues.append(
                    make_issue(
                        "duplicate_column",
                        1,
                        column,
                        column,
                        f"Columns '{used[name]}' and '{column}' both mean '{name}'; keep one.",
                        f"列“{used[name]}”和“{column}”都表示“{name}”，请只保留一个。",
                    )
                )
                continue
            used[name] = column
            fields[column] = name
            continue
        attribute = attribute_name(column)
        if attribute:
            attributes[column] = attribute
            continue
        issues.append(
            make_issue(
                "unknown_column",
                1,
                column,
                column,
                f"Unknown column '{column}'. Known columns: sku, "
                "title, title_zh, description, brand, category, "
                "gender, color, material, season, occasion, price, "
                "currency, sizes, stock, size_chart, image_url, "
                "url; put extra data in a column named attr_<name>.",
                f"未知列“{column}”。可用列：sku、title（标题）、title_zh、description（描述）、brand（品牌）、"
                "category（类目）、gender（性别）、color（颜色）、material（材质）、season（季节）、occasion（场合）、"
                "price（价格）、currency（币种）、sizes（尺码）、stock（库存）、size_chart（尺码表）、image_url（图片）、"
                "url（链接）；其他信息请放在名为 attr_<名称> 的列中。",
            )
        )
    for required in ("sku", "title", "price"):
        if required not in used:
            issues.append(
                make_issue(
                    "missing_column",
                    1,
                    required,
                    None,
                    f"The required column '{required}' is missing.",
                    f"缺少必需的列“{required}”。",
                )
            )
    return fields, attributes, issues


def _parse_stock(raw: Any, row: int, column: str, issues: list[Issue]) -> list[tuple[str, int]] | None:
    pairs: list[tuple[str, Any]]
    if isinstance(raw, dict):
        pairs = [(str(k), v) for k, v in raw.items()]
    else:
        pairs = []
        for part in split_list(raw):
            size, sep, qty = _split_pair(part)
            if not sep:
                issues.append(
                    make_issue(
                        "bad_stock",
                        row,
                        column,
                        raw,
                        f"Stock entry '{part}' is not SIZE:QUANTITY (for example S:3|M:0|L:5).",
                        f"库存项“{part}”不是“尺码:数量”格式（例如 S:3|M:0|L:5）。",
                    )
                )
                return None
            pairs.append((size, qty))
    result: list[tuple[str, int]] = []
    for size, qty in pairs:
        number: int | None = None
        if isinstance(qty, int) and not isinstance(qty, bool):
            number = qty
        elif isinstance(qty, float) and qty.is_integer():
            number = int(qty)
        elif isinstance(qty, str) and re.fullmatch(r"[+-]?\d{1,12}(\.0+)?", qty.strip()):
            number = int(qty.strip().split(".")[0])
        if number is None or number < 0 or number > MAX_STOCK:
            issues.append(
                make_issue(
                    "bad_stock",
                    row,
                    column,
                    raw,
                    f"Stock for size '{size}' must be a whole number from 0 to {MAX_STOCK}, not '{qty}'.",
                    f"尺码“{size}”的库存必须是 0 到 {MAX_STOCK} 的整数，而不是“{qty}”。",
                )
            )
            return None
        result.append((normalize_size_label(size), number))
    return result


def _split_pair(part: str) -> tuple[str, str, str]:
    match = re.match(r"^(.*?)\s*([:：=])\s*(.*)$", part)
    if not match:
        return part, "", ""
    return match.group(1).strip(), match.group(2), match.group(3).strip()


def parse_products(table: Table) -> ParsedProducts:
    """Every row to a ProductInput; rows with any problem are left out and their issues returned."""
    fields, attribute_columns, issues = map_product_columns(table.columns)
    issues = list(table.issues) + issues
    if not table.rows:
        issues.append(no_rows_issue())
    unknown = UnknownValues()
    column_of = {name: column for column, name in fields.items()}
    products: list[ProductInput] = []
    first_row_of_sku: dict[str, int] = {}
    chart_references: list[tuple[int, str, str]] = []
    for row in table.rows:
        values = {fields[c]: v for c, v in row.values.items() if c in fields}
        row_issues: list[Issue] = []

        def bad(
            code: str,
            name: str,
            value: Any,
            en: str,
            zh: str,
            _row: int = row.number,
            _issues: list[Issue] = row_issues,
        ) -> None:
            _issues.append(make_issue(code, _row, column_of.get(name, name), value, en, zh))

        data: dict[str, Any] = {}
        for name in ("sku", "title", "title_zh", "description", "brand", "size_chart"):
            value = text(values.get(name))
            if value is not None and len(value) > MAX_LENGTHS[name]:
                bad(
                    "too_long",
                    name,
                    value,
                    f"'{name}' is longer than {MAX_LENGTHS[name]} characters.",
                    f"“{name}”超过 {MAX_LENGTHS[name]} 个字符。",
                )
                value = None
            data[name] = value
        for name in ("sku", "title"):
            if not text(values.get(name)) and name in column_of:
                bad("required", name, None, f"'{name}' is required.", f"“{name}”为必填项。")
        sku = data["sku"]
        if sku:
            if not _SKU.match(sku) or sku != sku.strip():
                bad(
                    "bad_sku",
                    "sku",
                    sku,
                    "The SKU must not start with a space or contain control characters.",
                    "SKU 不能以空格开头，也不能包含控制字符。",
                )
            elif sku in first_row_of_sku:
                bad(
                    "duplicate_sku",
                    "sku",
                    sku,
                    f"SKU '{sku}' already appears in row {first_row_of_sku[sku]}.",
                    f"SKU“{sku}”已在第 {first_row_of_sku[sku]} 行出现。",
                )
            else:
                first_row_of_sku[sku] = row.number

        price, implied_currency = parse_price(values.get("price"))
        raw_price = values.get("price")
        if "price" in column_of:
            if raw_price is None:
                bad("required", "price", None, "'price' is required.", "“price（价格）”为必填项。")
            elif price is None:
                bad(
                    "bad_price",
                    "price",
                    raw_price,
                    "The price is not a number (for example 199 or ¥199.00).",
                    "价格不是数字（例如 199 或 ¥199.00）。",
                )
            elif not 0.01 <= round(price, 2) <= MAX_PRICE:
                # Checked after rounding to cents, as stored: 0.004 would otherwise become a price of 0.
                bad(
                    "bad_price",
                    "price",
                    raw_price,
                    f"The price must be at least 0.01 and at most {MAX_PRICE}.",
                    f"价格必须至少 0.01 且不超过 {MAX_PRICE}。",
                )
        currency = implied_currency or "CNY"
        raw_currency = text(values.get("currency"))
        if raw_currency:
            parsed_currency = parse_currency(raw_currency)
            if parsed_currency is None:
                bad(
                    "bad_currency",
                    "currency",
                    raw_currency,
                    "The currency must be a 3-letter ISO code such as CNY or USD.",
                    "币种必须是 3 个字母的 ISO 代码，例如 CNY 或 USD。",
                )
            elif implied_currency and parsed_currency != implied_currency:
                bad(
                    "bad_currency",
                    "currency",
                    raw_currency,
                    f"The price says {implied_currency} but the currency column says {parsed_currency}.",
                    f"价格中的币种为 {implied_currency}，与币种列的 {parsed_currency} 不一致。",
                )
            else:
                currency = parsed_currency

        raw_gender = text(values.get("gender"))
        gender = None
        if raw_gender:
            gender = canonical_term("gender", raw_gender)
            if gender is None:
                bad(
                    "bad_gender",
                    "gender",
                    raw_gender,
                    "Gender must be men, women or unisex (男, 女, 男女同款).",
                    "性别必须是 men、women 或 unisex（男、女、男女同款）。",
                )
        for name in FREE_TERM_FIELDS:
            raw_term = text(values.get(name))
            if not raw_term:
                data[name] = None
                continue
            found = canonical_term(name, raw_term)
            if found is None:
                found = raw_term.lower()[: MAX_LENGTHS[name]]
                unknown.add(name, found)
            data[name] = found

        urls: dict[str, str | None] = {}
        for name in ("image_url", "url"):
            value = text(values.get(name))
            if value and not is_http_url(value):
                bad(
                    "bad_url",
                    name,
                    value,
                    "Links must start with http:// or https:// (at most 1000 characters).",
                    "链接必须以 http:// 或 https:// 开头（最多 1000 个字符）。",
                )
                value = None
            urls[name] = value

        sizes: list[str] = []
        seen_sizes: set[str] = set()
        for raw_size in split_list(values.get("sizes")):
            label = normalize_size_label(raw_size)
            if len(label) > 32:
                bad(
                    "bad_size",
                    "sizes",
                    raw_size,
                    "A size label is longer than 32 characters.",
                    "尺码名称超过 32 个字符。",
                )
                continue
            if label in seen_sizes:
                bad(
                    "duplicate_size",
                    "sizes",
                    raw_size,
                    f"Size '{label}' is listed twice.",
                    f"尺码“{label}”重复列出。",
                )
                continue
            seen_sizes.add(label)
            sizes.append(label)
        stock_by_size: dict[str, int] = {}
        if values.get("stock") is not None:
            before = len(row_issues)
            pairs = _parse_stock(values["stock"], row.number, column_of.get("stock", "stock"), row_issues)
            if pairs is not None and len(row_issues) == before:
                for label, qty in pairs:
                    if label in stock_by_size:
                        bad(
                            "duplicate_size",
                            "stock",
                            values["stock"],
                            f"Stock for size '{label}' is given twice.",
                            f"尺码“{label}”的库存重复填写。",
                        )
                    elif sizes and label not in seen_sizes:
                        bad(
                            "stock_unknown_size",
                            "stock",
                            values["stock"],
                            f"Stock names size '{label}', which is not "
                            f"in the sizes column ({'|'.join(sizes)}).",
                            f"库存中的尺码“{label}”不在尺码列（{'|'.join(sizes)}）中。",
                        )
                    else:
                        stock_by_size[label] = qty
                if not sizes:
                    sizes = list(stock_by_size)

        attributes: dict[str, Any] = {}
        for column, attribute in attribute_columns.items():
            value = text(row.values.get(column))
            if value is None:
                continue
            if len(value) > MAX_ATTRIBUTE_LENGTH:
                row_issues.append(
                    make_issue(
                        "too_long",
                        row.number,
                        column,
                        value,
                        f"Attribute values are limited to {MAX_ATTRIBUTE_LENGTH} characters.",
                        f"属性值最多 {MAX_ATTRIBUTE_LENGTH} 个字符。",
                    )
                )
                continue
            attributes[attribute] = value

        if data["size_chart"]:
            chart_references.append(
                (row.number, column_of.get("size_chart", "size_chart"), data["size_chart"])
            )
        if row_issues or not sku or not data["title"] or price is None:
            issues.extend(row_issues)
            continue
        products.append(
            ProductInput(
                row=row.number,
                sku=sku,
                title=data["title"],
                title_zh=data["title_zh"],
                description=data["description"],
                brand=data["brand"],
                category=data["category"],
                gender=gender,
                color=data["color"],
                material=data["material"],
                season=data["season"],
                occasion=data["occasion"],
                price=round(price, 2),
                currency=currency,
                size_chart_id=data["size_chart"],
                image_url=urls["image_url"],
                url=urls["url"],
                attributes=attributes,
                variants=[(label, stock_by_size.get(label)) for label in sizes],
            )
        )
    return ParsedProducts(products, drop_shadowed(issues), unknown, chart_references)
