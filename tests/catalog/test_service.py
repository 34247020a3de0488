"""The import service against real storage: runs on SQLite and on PostgreSQL (``database`` fixture)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from catalog import queries
from catalog.charts_import import ParsedCharts
from catalog.merchants import create_merchant, get_merchant
from catalog.models import Product, SizeChart, Variant
from catalog.products_import import ParsedProducts
from catalog.service import (
    delete_chart,
    delete_product,
    escape_cell,
    export_charts_csv,
    export_products_csv,
    import_catalog,
    parse_chart_upload,
    parse_product_upload,
)
from fitguide.db import Database
from fitguide.errors import Conflict, InvalidInput, NotFound
from tests.catalog.conftest import CHARTS_CSV, PRODUCTS_CSV


@pytest.fixture
def shop(database: Database) -> str:
    with database.session() as session:
        return create_merchant(session, "Shop A", "shop-a").merchant_id


def products(text: str) -> ParsedProducts:
    return parse_product_upload(text.encode("utf-8"), filename="p.csv")


def charts(text: str) -> ParsedCharts:
    return parse_chart_upload(text.encode("utf-8"), filename="c.csv")


def load_demo_like(database: Database, merchant_id: str) -> None:
    import_catalog(database, merchant_id, charts=charts(CHARTS_CSV), products=products(PRODUCTS_CSV))


def snapshot(database: Database, merchant_id: str) -> dict[str, object]:
    with database.session() as session:
        return {
            p.sku: (p.title, p.price, p.size_chart_id, [(v.size_label, v.stock) for v in p.variants])
            for p in queries.list_products(session, merchant_id)
        } | {"charts": sorted(c.chart_id for c in queries.get_charts(session, merchant_id))}


def test_import_stores_products_variants_and_charts(database: Database, shop: str) -> None:
    report = import_catalog(database, shop, charts=charts(CHARTS_CSV), products=products(PRODUCTS_CSV))
    assert report.products is not None and report.products.created == 3
    assert report.charts is not None and report.charts.created == 2
    assert report.catalog_version == 1
    with database.session() as session:
        tee = queries.get_product(session, shop, "TEE-1")
        assert [(v.size_label, v.stock) for v in tee.variants] == [("S", 3), ("M", 0), ("L", 5)]
        assert (tee.category, tee.title_zh, tee.size_chart_id) == ("tshirt", "基础T恤", "tops-m")
        chart = queries.get_chart(session, shop, "jeans-w")
        assert chart.rows[0] == {
            "size": "28",
            "system": "numeric",
            "measurements": {"waist": [72.0, 72.0], "hip": [92.0, 92.0]},
        }
        assert queries.skus_using_chart(session, shop, "tops-m") == ["TEE-1", "TEE-2"]


def test_reupload_counts_unchanged_updated_and_replaces_variants(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    changed = PRODUCTS_CSV.replace("S|M|L,S:3|M:0|L:5", "M|L,M:7")
    report = import_catalog(database, shop, products=products(changed))
    assert report.products is not None
    assert (report.products.created, report.products.updated, report.products.unchanged) == (0, 1, 2)
    with database.session() as session:
        tee = queries.get_product(session, shop, "TEE-1")
        assert [(v.size_label, v.stock) for v in tee.variants] == [("M", 7), ("L", None)]
        assert session.scalar(select(func.count()).select_from(Variant)) == 2 + 2 + 2
    again = import_catalog(database, shop, products=products(changed))
    assert again.products is not None and again.products.unchanged == 3
    assert again.catalog_version == report.catalog_version  # nothing changed, no bump


def test_dry_run_stores_nothing_but_reports(database: Database, shop: str) -> None:
    report = import_catalog(
        database, shop, charts=charts(CHARTS_CSV), products=products(PRODUCTS_CSV), dry_run=True
    )
    assert report.products is not None and report.products.created == 3
    assert report.preview_products[0]["sku"] == "TEE-1"
    assert snapshot(database, shop) == {"charts": []}
    with database.session() as session:
        assert get_merchant(session, shop).catalog_version == 0


def test_bad_last_row_stores_nothing_and_keeps_the_old_catalog(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    before = snapshot(database, shop)
    rows = "".join(f"NEW-{i},Tee {i},99,S|M\n" for i in range(200))
    text = "sku,title,price,sizes\n" + rows + "BAD,Broken,-1,S\n"
    with pytest.raises(InvalidInput) as info:
        import_catalog(database, shop, products=products(text), mode="replace")
    assert [(i.row, i.column, i.code) for i in info.value.issues] == [(202, "price", "bad_price")]
    assert snapshot(database, shop) == before


def test_replace_mode_deletes_what_is_not_in_the_file(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    only_one = "sku,title,price,size_chart\nTEE-2,Striped tee,159,tops-m\n"
    report = import_catalog(database, shop, products=products(only_one), mode="replace")
    assert report.products is not None and (report.products.deleted, report.products.updated) == (2, 1)
    with database.session() as session:
        assert [p.sku for p in queries.list_products(session, shop)] == ["TEE-2"]
        assert session.scalar(select(func.count()).select_from(Variant)) == 0


def test_unknown_chart_reference_is_reported_with_other_errors(database: Database, shop: str) -> None:
    text = "sku,title,price,size_chart\nA,Tee,9,nope\nB,Tee,-1,nope2\n"
    with pytest.raises(InvalidInput) as info:
        import_catalog(database, shop, products=products(text))
    assert sorted((i.row, i.code) for i in info.value.issues) == [
        (2, "unknown_chart"),
        (3, "bad_price"),
        (3, "unknown_chart"),
    ]


def test_replacing_charts_that_stored_products_use_is_refused(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    only_tops = "\n".join(CHARTS_CSV.splitlines()[:4]) + "\n"
    with pytest.raises(InvalidInput) as info:
        import_catalog(database, shop, charts=charts(only_tops), mode="replace")
    assert [(i.code, i.value) for i in info.value.issues] == [("chart_in_use", "jeans-w")]


def test_delete_chart_conflict_and_force(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    with pytest.raises(Conflict):
        delete_chart(database, shop, "jeans-w")
    _version, cleared = delete_chart(database, shop, "jeans-w", force=True)
    assert cleared == ["JEAN-1"]
    with database.session() as session:
        assert queries.get_product(session, shop, "JEAN-1").size_chart_id is None
        with pytest.raises(NotFound):
            queries.get_chart(session, shop, "jeans-w")


def test_delete_product_and_tenant_isolation(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    with database.session() as session:
        other = create_merchant(session, "Shop B", "shop-b").merchant_id
    with pytest.raises(NotFound):
        delete_product(database, other, "TEE-1")
    with database.session() as session, pytest.raises(NotFound):
        queries.get_product(session, other, "TEE-1")
    # The same sku and chart id may exist for another merchant independently.
    load_demo_like(database, other)
    delete_product(database, shop, "TEE-1")
    with database.session() as session:
        assert queries.count_products(session, shop) == 2
        assert queries.count_products(session, other) == 3


def test_concurrent_uploads_serialise_and_one_wins_whole(database: Database, shop: str) -> None:
    first = "sku,title,price\n" + "".join(f"X-{i},First {i},10\n" for i in range(300))
    second = "sku,title,price\n" + "".join(f"Y-{i},Second {i},20\n" for i in range(300))
    parsed = [products(first), products(second)]
    errors: list[BaseException] = []

    def upload(index: int) -> None:
        try:
            import_catalog(database, shop, products=parsed[index], mode="replace")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        skus = {p.sku for p in queries.list_products(session, shop)}
        assert skus in ({f"X-{i}" for i in range(300)}, {f"Y-{i}" for i in range(300)})
        assert get_merchant(session, shop).catalog_version == 2


def test_large_import_uses_bulk_writes(database: Database, shop: str) -> None:
    text = "sku,title,price,sizes,stock\n" + "".join(
        f"SKU-{i:05d},Tee {i},{50 + i % 300},S|M|L|XL,S:1|M:2|L:3|XL:0\n" for i in range(3000)
    )
    report = import_catalog(database, shop, products=products(text))
    assert report.products is not None and report.products.created == 3000
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Variant)) == 12000
        assert session.scalar(select(func.count()).select_from(Product)) == 3000


def test_exports_round_trip_and_escape_formulas(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    evil = "sku,title,price,brand\nEVIL,-2+3 deal,9,@brand\n"
    import_catalog(database, shop, products=products(evil))
    with database.session() as session:
        exported = export_products_csv(session, shop)
        chart_text = export_charts_csv(session, shop)
    assert "EVIL,'-2+3 deal,9,,'@brand" in exported.replace(",,,,,,,,", ",") or "'-2+3 deal" in exported
    assert "'@brand" in exported
    # Re-importing the export changes nothing (except the apostrophe-escaped cells).
    clean = "\r\n".join(line for line in exported.splitlines() if not line.startswith("EVIL"))
    report = import_catalog(database, shop, products=products(clean), charts=charts(chart_text))
    assert report.products is not None and report.products.unchanged == 3
    assert report.charts is not None and report.charts.unchanged == 2


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (199.0, "199"),
    ],
)
def test_escape_cell(value: object, escaped: str) -> None:
    assert escape_cell(value) == escaped


def test_chart_replace_in_same_import_with_products(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    new_chart = "chart_id,size,chest\nnew,M,88-92\n"
    new_products = "sku,title,price,size_chart\nP,Tee,9,new\n"
    report = import_catalog(
        database, shop, charts=charts(new_chart), products=products(new_products), mode="replace"
    )
    assert report.charts is not None and report.charts.deleted == 2
    with database.session() as session:
        assert [
            c.chart_id for c in session.scalars(select(SizeChart).where(SizeChart.merchant_id == shop))
        ] == ["new"]


def test_issue_list_is_capped_with_a_summary(database: Database, shop: str) -> None:
    text = "sku,title,price\n" + "".join(f"S{i},Tee,free\n" for i in range(1500))
    with pytest.raises(InvalidInput) as info:
        import_catalog(database, shop, products=products(text))
    assert len(info.value.issues) == 1001
    assert info.value.issues[-1].code == "more_issues" and info.value.issues[-1].value == 500
    assert "1500" in info.value.message


def test_search_products_matches_literally_and_pages(database: Database, shop: str) -> None:
    load_demo_like(database, shop)
    import_catalog(database, shop, products=products("sku,title,price\nP-1,100% cotton tee,9\n"))
    with database.session() as session:
        total, page = queries.search_products(session, shop, "100%")
        assert (total, [p.sku for p in page]) == (1, ["P-1"])
        assert queries.search_products(session, shop, "%")[0] == 1
        assert queries.search_products(session, shop, "条纹")[0] == 1
        total, page = queries.search_products(session, shop, None, offset=1, limit=2)
        assert total == 4 and [p.sku for p in page] == ["P-1", "TEE-1"]
