"""The merchant catalog HTTP API: formats, reports, errors, limits, isolation, persistence, demo loading."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.merchants import create_merchant
from tests.catalog.conftest import CHARTS_CSV, PRODUCTS_CSV, csv_rows, xlsx_bytes
from tests.conftest import make_settings

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_catalog(client: TestClient, auth: str) -> None:
    response = client.post(
        "/api/merchant/size-charts", files={"file": ("c.csv", CHARTS_CSV)}, headers={"Authorization": auth}
    )
    assert response.status_code == 200, response.text
    response = client.post(
        "/api/merchant/products", files={"file": ("p.csv", PRODUCTS_CSV)}, headers={"Authorization": auth}
    )
    assert response.status_code == 200, response.text


def test_csv_upload_then_read_back(client: TestClient, merchant: dict[str, str]) -> None:
    upload_catalog(client, merchant["auth"])
    headers = {"Authorization": merchant["auth"]}
    listing = client.get("/api/merchant/products", headers=headers).json()
    assert listing["total"] == 3 and [p["sku"] for p in listing["items"]] == ["JEAN-1", "TEE-1", "TEE-2"]
    assert client.get("/api/merchant/products?q=striped", headers=headers).json()["total"] == 1
    tee = client.get("/api/merchant/products/TEE-1", headers=headers).json()
    assert tee["variants"] == [
        {"size": "S", "stock": 3},
        {"size": "M", "stock": 0},
        {"size": "L", "stock": 5},
    ]
    chart = client.get("/api/merchant/size-charts/tops-m", headers=headers).json()
    assert chart["used_by"] == ["TEE-1", "TEE-2"] and chart["rows"][0]["size"] == "S"
    me = client.get("/api/merchant/me", headers=headers).json()
    assert me == {
        "id": "test-shop",
        "name": "Test Shop",
        "allowed_origins": ["http://shop.test"],
        "catalog_version": 2,
        "products": 3,
        "size_charts": 2,
    }


def test_xlsx_upload(client: TestClient, merchant: dict[str, str]) -> None:
    headers = {"Authorization": merchant["auth"]}
    client.post("/api/merchant/size-charts", files={"file": ("c.csv", CHARTS_CSV)}, headers=headers)
    data = xlsx_bytes(csv_rows(PRODUCTS_CSV))
    response = client.post(
        "/api/merchant/products", files={"file": ("p.xlsx", data, XLSX_TYPE)}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["products"]["created"] == 3


def test_xlsx_upload_with_a_formula_is_rejected(client: TestClient, merchant: dict[str, str]) -> None:
    data = xlsx_bytes([["sku", "title", "price"], ["A", "Tee", "=SUM(1,2)"]])
    response = client.post(
        "/api/merchant/products",
        files={"file": ("p.xlsx", data)},
        headers={"Authorization": merchant["auth"]},
    )
    assert response.status_code == 422
    assert [(i["row"], i["column"], i["code"]) for i in response.json()["issues"]] == [
        (2, "price", "formula")
    ]


def test_json_file_and_json_body(client: TestClient, merchant: dict[str, str]) -> None:
    headers = {"Authorization": merchant["auth"]}
    charts = {"charts": [{"chart_id": "c", "kind": "body", "rows": [{"size": "M", "chest_cm": "88-92"}]}]}
    response = client.post(
        "/api/merchant/size-charts", files={"file": ("c.json", json.dumps(charts))}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = {"products": [{"sku": "J1", "title": "Tee", "price": 99, "sizes": ["M"], "size_chart": "c"}]}
    response = client.post("/api/merchant/products", json=body, headers=headers)
    assert response.status_code == 200, response.text
    response = client.post(
        "/api/merchant/products", json=[{"sku": "J2", "标题": "衬衫", "价格": "¥129"}], headers=headers
    )
    assert response.status_code == 200, response.text
    assert client.get("/api/merchant/products/J2", headers=headers).json()["price"] == 129.0


def test_raw_csv_body_and_chart_fields_as_form_fields(client: TestClient, merchant: dict[str, str]) -> None:
    headers = {"Authorization": merchant["auth"]}
    response = client.post(
        "/api/merchant/size-charts",
        files={"file": ("chart.csv", "尺码,胸围(inch)\nM,34-36\nL,36-38\n".encode("gbk"))},
        data={"chart_id": "shirts", "name": "衬衫", "fit": "宽松", "stretch": "无弹"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    chart = client.get("/api/merchant/size-charts/shirts", headers=headers).json()
    assert (chart["name"], chart["fit"], chart["stretch"]) == ("衬衫", "loose", 0.0)
    assert chart["rows"][0]["measurements"]["chest"] == [86.4, 91.4]
    response = client.post(
        "/api/merchant/products?dry_run=true",
        content="sku,title,price\nR,Raw,5\n",
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200 and response.json()["products"]["created"] == 1


def test_dry_run_reports_without_storing(client: TestClient, merchant: dict[str, str]) -> None:
    headers = {"Authorization": merchant["auth"]}
    response = client.post(
        "/api/merchant/size-charts?dry_run=true", files={"file": ("c.csv", CHARTS_CSV)}, headers=headers
    )
    body = response.json()
    assert response.status_code == 200 and body["dry_run"] is True and body["stored"] is False
    assert body["charts"]["created"] == 2 and body["chart_preview"][0]["chart_id"] == "tops-m"
    assert client.get("/api/merchant/size-charts", headers=headers).json()["total"] == 0


def test_errors_are_422_with_every_issue_in_the_callers_language(
    client: TestClient, merchant: dict[str, str]
) -> None:
    text = "sku,title,price,colour_code,gender\nA,Tee,abc,1,kids\nB,,9,2,men\n"
    response = client.post(
        "/api/merchant/products",
        files={"file": ("p.csv", text)},
        headers={"Authorization": merchant["auth"], "Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_upload" and "未做任何更改" in body["detail"]
    found = [(i["row"], i["column"], i["code"]) for i in body["issues"]]
    assert found == [
        (1, "colour_code", "unknown_column"),
        (2, "price", "bad_price"),
        (2, "gender", "bad_gender"),
        (3, "title", "required"),
    ]
    assert body["issues"][1]["value"] == "abc" and "价格" in body["issues"][1]["reason"]


def test_missing_or_wrong_key_is_401(client: TestClient, merchant: dict[str, str]) -> None:
    assert client.get("/api/merchant/products").status_code == 401
    assert client.get("/api/merchant/products", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/merchant/products", json=[]).status_code == 401


def test_tenant_isolation(client: TestClient, merchant: dict[str, str]) -> None:
    upload_catalog(client, merchant["auth"])
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        other = create_merchant(session, "Shop B", "shop-b")
    b = {"Authorization": f"Bearer {other.key}"}
    assert client.get("/api/merchant/products", headers=b).json()["total"] == 0
    assert client.get("/api/merchant/products/TEE-1", headers=b).status_code == 404
    assert client.delete("/api/merchant/products/TEE-1", headers=b).status_code == 404
    assert client.get("/api/merchant/size-charts/tops-m", headers=b).status_code == 404
    assert client.delete("/api/merchant/size-charts/tops-m?force=true", headers=b).status_code == 404
    assert "TEE-1" not in client.get("/api/merchant/products/export.csv", headers=b).text
    # B cannot point its products at A's chart either.
    response = client.post(
        "/api/merchant/products",
        json=[{"sku": "X", "title": "t", "price": 1, "size_chart": "tops-m"}],
        headers=b,
    )
    assert response.status_code == 422 and response.json()["issues"][0]["code"] == "unknown_chart"
    a = {"Authorization": merchant["auth"]}
    assert client.get("/api/merchant/products/TEE-1", headers=a).status_code == 200


def test_delete_routes_and_listeners(client: TestClient, merchant: dict[str, str]) -> None:
    changed: list[str] = []
    client.app.state.catalog_listeners.append(changed.append)  # type: ignore[attr-defined]
    upload_catalog(client, merchant["auth"])
    headers = {"Authorization": merchant["auth"]}
    assert changed == ["test-shop", "test-shop"]
    response = client.delete("/api/merchant/size-charts/jeans-w", headers=headers)
    assert response.status_code == 409 and response.json()["error"] == "chart_in_use"
    response = client.delete("/api/merchant/size-charts/jeans-w?force=true", headers=headers)
    assert response.json()["cleared_from"] == ["JEAN-1"]
    assert client.delete("/api/merchant/products/TEE-2", headers=headers).status_code == 200
    assert client.get("/api/merchant/products/TEE-2", headers=headers).status_code == 404
    assert len(changed) == 4
    dry = client.post(
        "/api/merchant/products?dry_run=true", json=[{"sku": "Z", "title": "t", "price": 1}], headers=headers
    )
    assert dry.status_code == 200 and len(changed) == 4


def test_export_csv_escapes_formulas(client: TestClient, merchant: dict[str, str]) -> None:
    headers = {"Authorization": merchant["auth"]}
    client.post(
        "/api/merchant/products",
        json=[{"sku": "@SUM", "title": "+cmd|' /C calc'!A0", "price": 1}],
        headers=headers,
    )
    response = client.get("/api/merchant/products/export.csv", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "'@SUM,'+cmd|' /C calc'!A0" in response.text
    upload_catalog(client, merchant["auth"])
    charts = client.get("/api/merchant/size-charts/export.csv", headers=headers).text
    assert "tops-m,Tops men,Acme,tshirt,men,body,regular,0.2,S,84-88,70-74,86-90" in charts


def test_file_size_and_row_limits(tmp_path: Path) -> None:
    from web.app import create_app

    settings = make_settings(tmp_path, max_upload_bytes=2_000, max_upload_rows=5)
    with TestClient(create_app(settings)) as client:
        with client.app.state.db.session() as session:  # type: ignore[attr-defined]
            key = create_merchant(session, "Small", "small").key
        headers = {"Authorization": f"Bearer {key}"}
        big = "sku,title,price\n" + "A,Tee,9\n" * 400
        response = client.post("/api/merchant/products", files={"file": ("p.csv", big)}, headers=headers)
        assert response.status_code == 413 and response.json()["error"] == "file_too_large"
        rows = "sku,title,price\n" + "".join(f"S{i},Tee,9\n" for i in range(6))
        response = client.post("/api/merchant/products", files={"file": ("p.csv", rows)}, headers=headers)
        assert response.status_code == 422 and response.json()["error"] == "too_many_rows"
        assert "5" in response.json()["detail"]


def test_data_survives_a_restart(tmp_path: Path) -> None:
    from web.app import create_app

    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        with client.app.state.db.session() as session:  # type: ignore[attr-defined]
            key = create_merchant(session, "Persist", "persist").key
        upload_catalog(client, f"Bearer {key}")
    with TestClient(create_app(make_settings(tmp_path))) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert client.get("/api/merchant/products", headers=headers).json()["total"] == 3
        assert client.get("/api/merchant/size-charts/tops-m", headers=headers).status_code == 200


def _demo_data_dir(tmp_path: Path, products: str = PRODUCTS_CSV) -> Path:
    demo = tmp_path / "demo"
    demo.mkdir(parents=True)
    (demo / "size_charts.csv").write_text(CHARTS_CSV, encoding="utf-8")
    (demo / "products.csv").write_text(products, encoding="utf-8")
    return demo


def test_demo_merchant_is_created_once_with_a_private_key_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from web.app import create_app

    settings = make_settings(tmp_path, load_demo=True, demo_dir=_demo_data_dir(tmp_path))
    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings)) as client:
        key_file = settings.var_dir / "demo-merchant-key.txt"
        key = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        headers = {"Authorization": f"Bearer {key}"}
        me = client.get("/api/merchant/me", headers=headers).json()
        assert me["id"] == "demo" and me["name"] == "FitGuide Demo Shop" and me["products"] == 3
        assert me["allowed_origins"] == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert key not in caplog.text
    # A second start keeps the merchant and its key.
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/merchant/me", headers=headers).status_code == 200
        assert key_file.read_text().strip() == key


def test_bad_demo_files_leave_no_half_made_merchant(tmp_path: Path) -> None:
    from web.app import create_app

    demo_dir = _demo_data_dir(tmp_path, products="sku,title,price\nA,Tee,-1\n")
    settings = make_settings(tmp_path, load_demo=True, demo_dir=demo_dir)
    from catalog.models import Merchant

    with TestClient(create_app(settings)) as client, client.app.state.db.session() as session:  # type: ignore[attr-defined]
        assert session.get(Merchant, "demo") is None
    assert not (settings.var_dir / "demo-merchant-key.txt").exists()


def test_unknown_mode_is_a_bilingual_422(client: TestClient, merchant: dict[str, str]) -> None:
    response = client.post(
        "/api/merchant/products?mode=merge",
        json=[{"sku": "A", "title": "t", "price": 1}],
        headers={"Authorization": merchant["auth"], "Accept-Language": "zh"},
    )
    assert response.status_code == 422 and response.json()["error"] == "bad_mode"
    assert "upsert" in response.json()["detail"] and "必须" in response.json()["detail"]


def test_multipart_without_a_file_field(client: TestClient, merchant: dict[str, str]) -> None:
    response = client.post(
        "/api/merchant/products",
        data={"other": "x"},
        files={"upload": ("p.csv", "sku\n")},
        headers={"Authorization": merchant["auth"]},
    )
    assert response.status_code == 422 and response.json()["error"] == "missing_file"


def test_concurrent_http_uploads_serialise(client: TestClient, merchant: dict[str, str]) -> None:
    import threading

    headers = {"Authorization": merchant["auth"]}
    files = {
        name: "sku,title,price\n" + "".join(f"{name}-{i},{name} {i},9\n" for i in range(400))
        for name in ("A", "B")
    }
    statuses: list[int] = []

    def upload(name: str) -> None:
        response = client.post(
            "/api/merchant/products?mode=replace", files={"file": ("p.csv", files[name])}, headers=headers
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    listing = client.get("/api/merchant/products?limit=500", headers=headers).json()
    prefixes = {item["sku"].split("-")[0] for item in listing["items"]}
    assert listing["total"] == 400 and len(prefixes) == 1
