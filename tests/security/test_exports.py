"""CSV exports never hand a spreadsheet a cell it would run as a formula."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.service import escape_cell
from tests.security.conftest import Shop

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.one_of(st.text(max_size=40), st.sampled_from(PAYLOADS), st.integers(), st.floats(allow_nan=False)))
def test_escaped_cells_never_start_a_formula_and_keep_their_text(value: object) -> None:
    cell = escape_cell(value)
    assert not cell.startswith(DANGEROUS_START)
    assert cell.removeprefix("'") in (
        str(value),
        str(int(value)) if isinstance(value, float) and value.is_integer() else str(value),
    )


def unformula(payload: str) -> str:
    """Uploads refuse '=' formulas outright (and trim whitespace); the other starts get through."""
    return re.sub(r"^[\s=]+", "", payload) or "x"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def test_both_exports_escape_hostile_merchant_text(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    shop, _other = shops
    charts = [
        {
            "chart_id": "@evil",
            "name": PAYLOADS[2],
            "brand": PAYLOADS[3],
            "category": "tshirt",
            "rows": [{"size": "M", "chest_cm": "88-92"}, {"size": "L", "chest_cm": "92-96"}],
        },
    ]
    response = client.post("/api/merchant/size-charts", json={"charts": charts}, headers=shop.auth)
    assert response.status_code == 200, response.text
    products = [
        {
            "sku": f"+SKU{i}",
            "title": unformula(payload),
            "description": unformula(payload),
            "brand": "-brand",
            "price": 10,
            "size_chart": "@evil",
            "sizes": "M|L",
        }
        for i, payload in enumerate(PAYLOADS)
    ]
    response = client.post("/api/merchant/products", json=products, headers=shop.auth)
    assert response.status_code == 200, response.text
    for path in ("/api/merchant/products/export.csv", "/api/merchant/size-charts/export.csv"):
        export = client.get(path, headers=shop.auth)
        assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
        assert "attachment" in export.headers["content-disposition"]
        cells = _cells(export.text)
        assert cells and not [cell for cell in cells if cell.startswith(DANGEROUS_START)]
        assert any(
            cell.startswith("'+cmd") or cell.startswith("'-2+3") or cell.startswith("'@") for cell in cells
        )
