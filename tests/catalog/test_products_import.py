"""Product rows: column mapping, Chinese headers and values, and one test per validation error kind."""

from __future__ import annotations

import pytest

from catalog.products_import import ParsedProducts, parse_products
from catalog.tabular import read_csv, table_from_json
from tests.catalog.conftest import PRODUCTS_CSV


def parse(text: str) -> ParsedProducts:
    return parse_products(read_csv(text.encode("utf-8")))


def test_canonical_columns() -> None:
    result = parse(PRODUCTS_CSV)
    assert result.issues == []
    first, second, jeans = result.products
    assert first.as_dict()["variants"] == [
        {"size": "S", "stock": 3},
        {"size": "M", "stock": 0},
        {"size": "L", "stock": 5},
    ]
    assert (first.category, first.gender, first.color, first.price) == ("tshirt", "men", "black", 199.0)
    assert (second.category, second.color, second.price, second.currency) == ("tshirt", "navy", 159.0, "CNY")
    assert jeans.price == 1299.0
    assert jeans.size_chart_id == "jeans-w"


def test_chinese_headers_and_values() -> None:
    text = (
        "货号,商品名称,中文标题,品牌,类目,性别,颜色,面料,季节,场合,售价,币种,尺码,库存,尺码表,图片,链接\n"
        "C1,Cotton tee,纯棉T恤,优品,短袖,男女同款,黑色,纯棉,夏季,休闲,￥99,人民币,S、M、XXL,S:1|M:2|XXL:0,t1,"
        "https://img.test/c1.jpg,https://shop.test/c1\n"
    )
    result = parse(text)
    assert result.issues == []
    product = result.products[0].as_dict()
    assert product["title"] == "Cotton tee" and product["title_zh"] == "纯棉T恤"
    assert (product["category"], product["gender"], product["color"], product["material"]) == (
        "tshirt",
        "unisex",
        "black",
        "cotton",
    )
    assert (product["season"], product["occasion"], product["price"], product["currency"]) == (
        "summer",
        "casual",
        99.0,
        "CNY",
    )
    assert [v["size"] for v in product["variants"]] == ["S", "M", "2XL"]


def test_header_variants_are_case_space_and_underscore_insensitive() -> None:
    result = parse("SKU, Title ,Title ZH,PRICE,image-url\nA,Tee,T恤,9,https://x.test/a.png\n")
    assert result.issues == []
    assert result.products[0].title_zh == "T恤"
    assert result.products[0].image_url == "https://x.test/a.png"


def test_attribute_columns_go_to_attributes() -> None:
    result = parse("sku,title,price,attr_fit,attr:neckline\nA,Tee,9,slim,crew\n")
    assert result.products[0].attributes == {"fit": "slim", "neckline": "crew"}


def test_unknown_category_and_colour_are_kept_and_counted() -> None:
    result = parse("sku,title,price,category,color\nA,Tee,9,Poncho,Ochre\nB,Tee,9,poncho,black\n")
    assert result.issues == []
    assert [p.category for p in result.products] == ["poncho", "poncho"]
    assert result.unknown_values.as_report() == {"category": {"poncho": 2}, "color": {"ochre": 1}}


def test_stock_alone_defines_sizes_and_json_lists_work() -> None:
    result = parse("sku,title,price,stock\nA,Tee,9,m:1|l:0\n")
    assert result.products[0].variants == [("M", 1), ("L", 0)]
    document = [{"sku": "B", "title": "Tee", "price": 9, "sizes": ["s", "m"], "stock": {"S": 2}}]
    result = parse_products(table_from_json(document))
    assert result.products[0].variants == [("S", 2), ("M", None)]


def test_haoxing_sizes_are_not_split_on_slash() -> None:
    result = parse("sku,title,price,sizes\nA,Tee,9,165/84A|170/88a\n")
    assert result.products[0].variants == [("165/84A", None), ("170/88A", None)]


@pytest.mark.parametrize(
    ("header", "row", "code", "column"),
    [
        ("sku,title,price", ",Tee,9", "required", "sku"),
        ("sku,title,price", "A,,9", "required", "title"),
        ("sku,title,price", "A,Tee,", "required", "price"),
        ("sku,title,price", "A,Tee,cheap", "bad_price", "price"),
        ("sku,title,price", "A,Tee,0", "bad_price", "price"),
        ("sku,title,price", "A,Tee,-3", "bad_price", "price"),
        ("sku,title,price", "A,Tee,0.004", "bad_price", "price"),
        ("sku,title,price,currency", "A,Tee,9,yuan", "bad_currency", "currency"),
        ("sku,title,price,currency", "A,Tee,$9,CNY", "bad_currency", "currency"),
        ("sku,title,price,gender", "A,Tee,9,kids", "bad_gender", "gender"),
        ("sku,title,price,sizes", "A,Tee,9,S|M|s", "duplicate_size", "sizes"),
        ("sku,title,price,sizes,stock", "A,Tee,9,S|M,S:1|XL:2", "stock_unknown_size", "stock"),
        ("sku,title,price,sizes,stock", "A,Tee,9,S|M,S:-1", "bad_stock", "stock"),
        ("sku,title,price,sizes,stock", "A,Tee,9,S|M,S:many", "bad_stock", "stock"),
        ("sku,title,price,sizes,stock", "A,Tee,9,S|M,S3", "bad_stock", "stock"),
        ("sku,title,price,image_url", "A,Tee,9,javascript:alert(1)", "bad_url", "image_url"),
        ("sku,title,price,url", "A,Tee,9,ftp://x.test/a", "bad_url", "url"),
        ("sku,title,price", "A,=1+1,9", "formula", "title"),
        ("sku,title,price", "A," + "x" * 501 + ",9", "too_long", "title"),
    ],
)
def test_each_row_error_kind(header: str, row: str, code: str, column: str) -> None:
    result = parse(f"{header}\n{row}\n")
    assert result.products == []
    assert [(i.row, i.column, i.code) for i in result.issues] == [(2, column, code)]
    assert result.issues[0].reason and result.issues[0].reason_zh


def test_file_level_errors_unknown_missing_and_duplicate_columns() -> None:
    result = parse("sku,名称,标题,colour_code\nA,Tee,Tee,1\n")
    codes = sorted((i.code, i.column) for i in result.issues)
    assert ("unknown_column", "colour_code") in codes
    assert ("duplicate_column", "标题") in codes
    assert ("missing_column", "price") in codes


def test_duplicate_sku_names_the_first_row() -> None:
    result = parse("sku,title,price\nA,Tee,9\nB,Tee,9\nA,Tee,9\n")
    assert [(i.row, i.code) for i in result.issues] == [(4, "duplicate_sku")]
    assert "row 2" in result.issues[0].reason


def test_every_problem_is_reported_at_once() -> None:
    result = parse("sku,title,price,gender\nA,Tee,x,kids\nB,,9,\nC,Tee,9,men\n")
    assert sorted((i.row, i.code) for i in result.issues) == [
        (2, "bad_gender"),
        (2, "bad_price"),
        (3, "required"),
    ]
    assert [p.sku for p in result.products] == ["C"]


@pytest.mark.parametrize(
    ("raw", "price", "currency"),
    [
        ("199", 199.0, "CNY"),
        ("199.00", 199.0, "CNY"),
        ("¥199", 199.0, "CNY"),
        ("1,299", 1299.0, "CNY"),
        ("RMB 89.9", 89.9, "CNY"),
        ("$20", 20.0, "USD"),
        ("12,5", 12.5, "CNY"),
    ],
)
def test_price_formats(raw: str, price: float, currency: str) -> None:
    result = parse(f'sku,title,price\nA,Tee,"{raw}"\n')
    assert (result.products[0].price, result.products[0].currency) == (price, currency)


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [("A\tB,Tee,9,S", "bad_sku", "sku"), ("A,Tee,9," + "X" * 40, "bad_size", "sizes")],
)
def test_sku_and_size_label_shape(row: str, code: str, column: str) -> None:
    result = parse(f'sku,title,price,sizes\n"{row.split(",")[0]}",{",".join(row.split(",")[1:])}\n')
    assert [(i.code, i.column) for i in result.issues] == [(code, column)]


def test_header_only_file_is_refused() -> None:
    assert [i.code for i in parse("sku,title,price\n").issues] == ["no_rows"]
    assert "no_rows" in [i.code for i in parse_products(table_from_json([])).issues]


@pytest.mark.parametrize(
    "item",
    [
        {"price": float("nan")},
        {"price": float("inf")},
        {"price": 10**400},
        {"stock": {"S": float("inf")}},
        {"stock": "S:" + "9" * 400},
        {"stock": {"S": 10**400}},
    ],
)
def test_extreme_json_numbers_are_issues_not_crashes(item: dict[str, object]) -> None:
    document = [{"sku": "A", "title": "Tee", "price": 9, **item}]
    result = parse_products(table_from_json(document))
    assert result.products == [] and result.issues
