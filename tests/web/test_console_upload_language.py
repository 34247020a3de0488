"""Console upload errors in the request's language (web/console.py renders the catalog's en/zh issues).

Kept here with the catalog upload tests: tests/web/test_console.py belongs to the console's owner."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.test_console import sign_in, upload

CHARTS = "尺码表,尺码,胸围(cm)\nzh,M,34in\nzh,L,0\n".encode()


def test_upload_issue_reasons_follow_accept_language(client: TestClient, merchant: dict[str, str]) -> None:
    token = sign_in(client, merchant["key"])
    english = upload(client, token, "charts", "charts.csv", CHARTS)
    assert english.status_code == 422
    assert "has the unit" in english.text and "单位是" not in english.text

    client.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
    try:
        chinese = upload(client, token, "charts", "charts.csv", CHARTS)
    finally:
        del client.headers["Accept-Language"]
    assert chinese.status_code == 422
    assert "单位是“in”" in chinese.text and "胸围 0 cm 不是合理的人体尺寸" in chinese.text
    assert "has the unit" not in chinese.text


def test_zh_feedback_upload_errors_escape_merchant_text(client: TestClient, merchant: dict[str, str]) -> None:
    token = sign_in(client, merchant["key"])
    body = "订单行号,商品编码,尺码,结果\nx1,<b>NOPE</b>,M,合适\n".encode()
    response = client.post(
        "/console/upload/feedback",
        data={"csrf_token": token},
        files={"file": ("fb.csv", body, "text/csv")},
        headers={"Accept-Language": "zh"},
    )
    assert response.status_code == 422
    assert "本商家没有这个 SKU" in response.text and "商品编码" in response.text
    assert "<b>NOPE</b>" not in response.text and "&lt;b&gt;NOPE&lt;/b&gt;" in response.text
