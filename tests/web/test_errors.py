"""Error responses speak the caller's language: ?lang=, the JSON body's "lang", then Accept-Language."""

from __future__ import annotations

from fastapi.testclient import TestClient

BODY = {"height": "-170cm", "weight": "60kg", "sex": "female"}


def test_domain_error_follows_the_body_lang_field(client: TestClient) -> None:
    zh = client.post("/api/size/estimate", json={**BODY, "lang": "zh"})
    assert zh.status_code == 422
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.json()["detail"])
    en = client.post("/api/size/estimate", json={**BODY, "lang": "en"}, headers={"Accept-Language": "zh-CN"})
    assert en.json()["detail"].isascii()


def test_query_parameter_wins(client: TestClient) -> None:
    response = client.post("/api/size/estimate?lang=zh", json={**BODY, "lang": "en"})
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_request_shape_errors_are_translated_and_show_the_value_sent(client: TestClient) -> None:
    response = client.post(
        "/api/size/estimate", json={"height": "170cm", "weight": "60kg", "age": "thirty", "lang": "zh"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request" and body["detail"] == "请求内容有误。"
    (issue,) = [issue for issue in body["issues"] if issue["column"] == "age"]
    assert issue["value"] == "thirty"
    assert issue["reason"] in ("应为数字", "应为整数")


def test_missing_field_has_no_value(client: TestClient) -> None:
    response = client.post("/api/size/recommend", json={"sku": "X", "body": {}})
    (issue,) = [issue for issue in response.json()["issues"] if issue["column"] == "merchant_id"]
    assert issue["value"] is None and issue["code"] == "missing"


def test_a_missing_body_is_named(client: TestClient) -> None:
    # The recommend request has a field literally named "body": its absence is column "body".
    response = client.post("/api/size/recommend", json={"merchant_id": "demo", "sku": "X"})
    assert response.status_code == 422
    (issue,) = response.json()["issues"]
    assert (issue["column"], issue["code"]) == ("body", "missing")
    # A field inside it keeps the full path, not just its own name.
    nested = client.post(
        "/api/size/recommend",
        json={"merchant_id": "demo", "sku": "X", "body": {"height": "170cm", "weight": "60kg", "age": "x"}},
    )
    assert [issue["column"] for issue in nested.json()["issues"]] == ["body.age"]
    # No JSON body at all.
    empty = client.post("/api/size/estimate")
    assert empty.status_code == 422
    assert [issue["column"] for issue in empty.json()["issues"]] == ["body"]
