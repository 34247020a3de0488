"""The widget in a real Chromium: the demo shop, conversations, the size form, the fit view, hostile pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import XSS_TITLE, BrowserPage, LiveServer

pytestmark = pytest.mark.browser


def open_widget(page: Any) -> None:
    page.locator(".fg-launcher").click()
    expect(page.locator(".fg-panel")).to_be_visible()
    expect(page.locator(".fg-input")).to_be_focused()


def send(page: Any, text: str) -> Any:
    """Sends a message and returns the new assistant turn."""
    turns = page.locator(".fg-turn")
    before = turns.count()
    page.locator(".fg-input").fill(text)
    page.locator(".fg-input").press("Enter")
    expect(turns).to_have_count(before + 1)
    return turns.last


def card_prices(turn: Any) -> list[float]:
    return [
        float(value) for value in turn.locator(".fg-card").evaluate_all("cs => cs.map(c => c.dataset.price)")
    ]


def card_sizes(turn: Any) -> list[str]:
    return turn.locator(".fg-card").evaluate_all("cs => cs.map(c => c.dataset.size || '')")


def save_profile(page: Any, height: str, weight: str, unit: str = "kg", sex: str = "female") -> None:
    page.locator(".fg-size-btn").click()
    page.locator("#fg-f-height").fill(height)
    page.locator("#fg-f-weight").fill(weight)
    page.locator("#fg-f-weightUnit").select_option(unit)
    page.locator("#fg-f-sex").select_option(sex)
    page.locator(".fg-form .fg-primary").click()
    expect(page.locator(".fg-size .fg-status")).to_have_class(re.compile("fg-good"))


def test_english_conversation_sizes_cheaper_and_fit_view(
    desktop: BrowserPage, live_server: LiveServer
) -> None:
    page = desktop.page
    page.goto(f"{live_server.url}/demo?lang=en")
    expect(page.locator(".tile").first).to_be_visible()
    expect(page.locator(".fg-launcher")).to_be_visible()
    desktop.shot("01-demo-page")

    open_widget(page)
    expect(page.locator(".fg-title")).to_have_text("Shopping assistant")
    desktop.shot("02-widget-open")

    first = send(page, "summer dress")
    expect(first.locator(".fg-card").first).to_be_visible()
    assert first.locator(".fg-card").count() >= 3
    assert all(price > 0 for price in card_prices(first))
    expect(first.locator(".fg-card-title").first).not_to_be_empty()
    desktop.shot("03-english-cards")

    # The size form changes the recommended sizes.
    save_profile(page, "152", "42")
    desktop.shot("04-size-form")
    page.locator(".fg-size .fg-back").click()
    expect(page.locator(".fg-profile-bar")).to_contain_text("152 cm")
    small = send(page, "summer dress")
    expect(small.locator(".fg-badge").first).to_be_visible()
    expect(small.locator(".fg-badge").first).to_have_text(re.compile(r"^\S+ · \d+%$"))
    small_sizes = card_sizes(small)
    save_profile(page, "180", "98")
    page.locator(".fg-size .fg-back").click()
    large = send(page, "summer dress")
    expect(large.locator(".fg-badge").first).to_be_visible()
    large_sizes = card_sizes(large)
    assert small_sizes and large_sizes
    assert small_sizes != large_sizes, (small_sizes, large_sizes)
    desktop.shot("05-sized-cards")

    # "Cheaper" (a suggestion chip) lowers prices below everything just shown.
    before = card_prices(large)
    page.locator(".fg-chip", has_text="Cheaper").click()
    expect(page.locator(".fg-turn")).to_have_count(5)
    cheaper = page.locator(".fg-turn").last
    expect(cheaper.locator(".fg-card").first).to_be_visible()
    after = card_prices(cheaper)
    assert after and max(after) < min(before), (before, after)
    desktop.shot("06-cheaper")

    # A card opens the fit view with the figure for the recommended size.
    cheaper.locator(".fg-card-main").first.click()
    expect(page.locator(".fg-figure")).to_be_visible()
    expect(page.locator(".fg-tab[aria-selected=true]")).to_contain_text("★")
    assert page.locator(".fg-figure line").count() >= 1
    assert page.locator(".fg-dim").count() >= 1
    desktop.shot("07-fit-view")
    tabs = page.locator(".fg-tab")
    other = next(
        (i for i in range(tabs.count()) if tabs.nth(i).get_attribute("aria-selected") == "false"), None
    )
    if other is not None:
        tabs.nth(other).click()
        expect(tabs.nth(other)).to_have_attribute("aria-selected", "true")

    # Escape goes back to the chat, then closes the panel and returns focus to the launcher.
    page.keyboard.press("Escape")
    expect(page.locator(".fg-chat")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".fg-panel")).to_be_hidden()
    expect(page.locator(".fg-launcher")).to_be_focused()
    assert desktop.dialogs == [] and desktop.errors == []
    assert desktop.csp_violations == [], desktop.csp_violations  # the demo page's CSP has no 'unsafe-inline'


def test_chinese_conversation_and_language_switch(desktop: BrowserPage, live_server: LiveServer) -> None:
    page = desktop.page
    page.goto(f"{live_server.url}/demo?lang=zh")
    expect(page.locator(".fg-launcher")).to_contain_text("导购助手")
    open_widget(page)
    turn = send(page, "夏天的连衣裙")
    expect(turn.locator(".fg-card").first).to_be_visible()
    expect(turn.locator(".fg-assistant")).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
    expect(page.locator(".fg-chip").first).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
    desktop.shot("08-chinese-cards")
    page.locator(".fg-chip-btn", has_text="EN").click()
    expect(page.locator(".fg-title")).to_have_text("Shopping assistant")
    expect(page.locator(".fg-input")).to_have_attribute("placeholder", re.compile("linen shirt"))
    assert desktop.dialogs == [] and desktop.errors == []


def test_profile_is_remembered_and_clearable(desktop: BrowserPage, live_server: LiveServer) -> None:
    page = desktop.page
    page.goto(f"{live_server.url}/demo?lang=zh")
    open_widget(page)
    save_profile(page, "165", "110", unit="jin")
    stored = page.evaluate("JSON.parse(localStorage.getItem('fitguide:profile:v1'))")
    assert stored["height"] == 165 and stored["weight"] == 110 and stored["weightUnit"] == "jin"
    page.reload()
    open_widget(page)
    expect(page.locator(".fg-profile-bar")).to_contain_text("110 斤")
    # The profile travels with each message, in kg.
    with page.expect_request(lambda request: "/api/chat" in request.url) as request_info:
        send(page, "连衣裙")
    assert request_info.value.post_data_json["profile"]["weight_kg"] == 55
    page.locator(".fg-size-btn").click()
    expect(page.locator("#fg-f-height")).to_have_value("165")
    page.locator(".fg-form .fg-secondary").click()
    expect(page.locator("#fg-f-height")).to_have_value("")
    assert page.evaluate("localStorage.getItem('fitguide:profile:v1')") is None


def test_height_and_weight_typed_in_chat_reach_the_fit_view(
    desktop: BrowserPage, live_server: LiveServer
) -> None:
    page = desktop.page
    page.goto(f"{live_server.url}/demo?lang=zh")
    open_widget(page)
    send(page, "女士连衣裙")
    turn = send(page, "我165cm 110斤")
    expect(turn.locator(".fg-badge").first).to_be_visible()
    expect(page.locator(".fg-profile-bar")).to_contain_text("165")
    stored = page.evaluate("JSON.parse(localStorage.getItem('fitguide:profile:v1'))")
    assert stored["height"] == 165 and stored["weight"] == 55 and stored["sex"] == "female"
    turn.locator(".fg-card-main").first.click()
    expect(page.locator(".fg-tab").first).to_be_visible()
    expect(page.locator(".fg-haoxing")).to_contain_text(re.compile(r"你的号型：\d{3}/\d{2,3}[YABC]"))
    desktop.shot("13-fit-from-chat-body")
    assert desktop.dialogs == [] and desktop.errors == []


def test_failed_request_shows_retry_and_keeps_the_message(
    desktop: BrowserPage, live_server: LiveServer
) -> None:
    page = desktop.page
    failures = {"left": 1}

    def flaky(route: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            route.abort()
        else:
            route.continue_()

    page.route("**/api/chat**", flaky)
    page.goto(f"{live_server.url}/demo?lang=en")
    open_widget(page)
    page.locator(".fg-input").fill("linen shirt")
    page.locator(".fg-input").press("Enter")
    expect(page.locator(".fg-error")).to_be_visible()
    expect(page.locator(".fg-input")).to_have_value("linen shirt")
    desktop.shot("09-error-retry")
    page.locator(".fg-retry").click()
    expect(page.locator(".fg-turn").last.locator(".fg-card").first).to_be_visible()
    expect(page.locator(".fg-input")).to_have_value("")


def test_keyboard_only(desktop: BrowserPage, live_server: LiveServer) -> None:
    page = desktop.page
    page.goto(f"{live_server.url}/demo?lang=en")
    expect(page.locator(".fg-launcher")).to_be_visible()
    page.locator(".fg-launcher").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".fg-input")).to_be_focused()
    page.keyboard.type("jeans")
    page.keyboard.press("Enter")
    expect(page.locator(".fg-turn").last.locator(".fg-card").first).to_be_visible()
    expect(page.locator(".fg-log")).to_have_attribute("role", "log")
    expect(page.locator(".fg-log")).to_have_attribute("aria-live", "polite")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("document.querySelector('fitguide-widget').shadowRoot.activeElement.className")
    assert focused.startswith("fg-")
    page.keyboard.press("Escape")
    expect(page.locator(".fg-panel")).to_be_hidden()


def test_cross_origin_shop_with_hostile_css_and_hostile_product_title(
    desktop: BrowserPage, live_server: LiveServer
) -> None:
    page = desktop.page
    page.goto(f"{live_server.shop_url}/?merchant=shop&hostile=1&lang=en")
    launcher = page.locator(".fg-launcher")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box and box["height"] < 80 and box["width"] < 300, box
    assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "15px"
    assert launcher.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    open_widget(page)
    panel = page.locator(".fg-panel").bounding_box()
    assert panel and 300 < panel["width"] < 420, panel
    turn = send(page, "linen shirt")
    titles = turn.locator(".fg-card-title").all_text_contents()
    assert XSS_TITLE in titles, titles
    assert page.locator(".fg-card img[src='x']").count() == 0
    expect(page.locator(".fg-send")).to_be_visible()
    assert page.locator(".fg-msg.fg-user").evaluate("m => getComputedStyle(m).fontSize") == "14px"
    desktop.shot("10-hostile-shop-page")
    assert desktop.dialogs == [], desktop.dialogs


def test_unregistered_shop_origin_is_refused(desktop: BrowserPage, live_server: LiveServer) -> None:
    page = desktop.page
    page.goto(f"{live_server.shop_url}/?merchant=demo&lang=en")  # the demo merchant did not register it
    open_widget(page)
    page.locator(".fg-input").fill("summer dress")
    page.locator(".fg-input").press("Enter")
    expect(page.locator(".fg-error")).to_be_visible()
    expect(page.locator(".fg-retry")).to_be_visible()
    expect(page.locator(".fg-input")).to_have_value("summer dress")


def test_mobile_360px(mobile: BrowserPage, live_server: LiveServer) -> None:
    page = mobile.page
    page.goto(f"{live_server.url}/demo?lang=en")
    expect(page.locator(".fg-launcher")).to_be_visible()
    mobile.shot("11-mobile-demo")
    open_widget(page)
    panel = page.locator(".fg-panel").bounding_box()
    assert panel and panel["x"] == 0 and panel["width"] == 360, panel
    turn = send(page, "summer dress")
    expect(turn.locator(".fg-card").first).to_be_visible()
    overflow = page.locator(".fg-log").evaluate("log => log.scrollWidth - log.clientWidth")
    assert overflow <= 0, overflow
    for box in turn.locator(".fg-card").evaluate_all(
        "cs => cs.map(c => { const r = c.getBoundingClientRect(); return [r.left, r.right]; })"
    ):
        assert box[0] >= 0 and box[1] <= 360, box
    expect(page.locator(".fg-close, .fg-icon-btn")).to_be_visible()
    mobile.shot("12-mobile-cards")
    save_profile(page, "170", "65")
    mobile.shot("13-mobile-size-form")
    page.locator(".fg-size .fg-back").click()
    send(page, "summer dress").locator(".fg-card-main").first.click()
    expect(page.locator(".fg-figure")).to_be_visible()
    mobile.shot("14-mobile-fit-view")
