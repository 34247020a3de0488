"""The widget script, static assets and the demo shop page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from catalog import service as catalog_service


def test_widget_script_is_served_as_javascript_with_caching(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    again = client.get("/widget.js", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


def test_widget_never_inserts_html(client: TestClient) -> None:
    source = client.get("/widget.js").text
    assert "innerHTML" not in source
    assert "insertAdjacentHTML" not in source
    assert "document.write" not in source


def test_static_assets_and_no_path_traversal(client: TestClient) -> None:
    assert client.get("/static/widget.css").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/static/console.js").status_code == 200
    assert client.get("/static/../pages.py").status_code == 404
    assert client.get("/static/%2e%2e/pages.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_demo_page_without_a_catalog_says_so(client: TestClient) -> None:
    response = client.get("/demo")
    assert response.status_code == 200
    assert "not loaded" in response.text
    assert 'data-merchant="demo"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_demo_page_lists_products_escaped_and_embeds_the_widget(
    client: TestClient, merchant: dict[str, str]
) -> None:
    data = "sku,title,title_zh,price,sizes\nX1,<img src=x onerror=alert(1)>,连衣裙,199,S|M\n".encode()
    products = catalog_service.parse_product_upload(data, filename="p.csv")
    catalog_service.import_catalog(client.app.state.db, "test-shop", products=products)  # type: ignore[attr-defined]
    html = client.get("/demo?merchant=test-shop&lang=en").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert '<html lang="en">' in html
    assert '<script src="http://testserver/widget.js" data-merchant="test-shop" async></script>' in html
    zh = client.get("/demo?merchant=test-shop&lang=zh").text
    assert '<html lang="zh-CN">' in zh and "连衣裙" in zh
