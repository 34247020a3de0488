"""The merchant console in a real Chromium: sign-in, uploads with errors, a clean import, hostile text."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import XSS_TITLE, BrowserPage, LiveServer

pytestmark = pytest.mark.browser

ERRORS_CSV = (
    "sku,title,price,sizes,size_chart\n"
    "N-1,Cotton tee,59,S|M|L,tops\n"
    "N-2,Linen trousers,not a price,S|M,tops\n"
    "N-3,,89,M,tops\n"
    "N-4,Wool scarf,120,S,no-such-chart\n"
)
CLEAN_CSV = (
    "sku,title,price,sizes,stock,size_chart\n"
    f'N-1,"{XSS_TITLE}",59,S|M|L,S:3|M:0|L:5,tops\n'
    "N-2,Linen trousers,149,S|M,S:1|M:1,tops\n"
)

FEEDBACK_CSV = b"id,sku,size,outcome\n" + b"".join(
    f"r{i},SH-2,M,{'too_small' if i % 8 else 'kept'}\n".encode() for i in range(40)
)


def sign_in(page: Any, live_server: LiveServer, key: str) -> None:
    page.goto(f"{live_server.url}/console")
    expect(page).to_have_url(f"{live_server.url}/console/login")
    page.locator("#api_key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Overview")


def test_sign_in_rejects_a_wrong_key(desktop: BrowserPage, live_server: LiveServer) -> None:
    page = desktop.page
    page.goto(f"{live_server.url}/console/login")
    desktop.shot("20-console-login")
    page.locator("#api_key").fill("fg_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".alert-error")).to_contain_text("not valid")
    cookie = next(c for c in page.context.cookies() if c["name"] == "fg_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_upload_errors_at_their_rows_then_a_clean_import(
    desktop: BrowserPage, live_server: LiveServer
) -> None:
    page = desktop.page
    sign_in(page, live_server, live_server.shop_key)
    expect(page.locator(".stat-value").first).to_have_text("3")
    desktop.shot("21-console-overview")

    page.get_by_role("link", name="Products file").click()
    page.locator("#file").set_input_files(
        {"name": "products.csv", "mimeType": "text/csv", "buffer": ERRORS_CSV.encode()}
    )
    expect(page.locator(".file-name")).to_contain_text("products.csv")
    page.get_by_role("button", name="Check file").click()
    expect(page.locator(".alert-error")).to_contain_text("problems found")
    # Every problem sits at its row (spreadsheet numbering: header is row 1) and column.
    expect(page.locator("#row-3 td[data-column='price']")).to_have_class("cell-error")
    expect(page.locator("#row-4 td[data-column='title']")).to_have_class("cell-error")
    expect(page.locator("#row-5 td[data-column='size_chart']")).to_have_class("cell-error")
    assert page.locator("#row-2 .cell-error").count() == 0
    assert page.locator("form[action$='/import']").count() == 0
    desktop.shot("22-console-upload-errors", full_page=True)

    # Drag and drop the corrected file onto the drop zone: it is checked at once.
    transfer = page.evaluate_handle(
        """(text) => { const dt = new DataTransfer();
                       dt.items.add(new File([text], 'fixed.csv', { type: 'text/csv' })); return dt; }""",
        CLEAN_CSV,
    )
    page.locator("[data-dropzone-area]").dispatch_event("drop", {"dataTransfer": transfer})
    expect(page.locator(".alert-ok")).to_contain_text("looks good")
    expect(page.locator(".preview")).to_contain_text(XSS_TITLE)
    desktop.shot("23-console-upload-clean")
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".alert-ok")).to_contain_text("Done")
    desktop.shot("24-console-imported")

    page.get_by_role("link", name="View products").click()
    expect(page.locator("td.title-cell", has_text=XSS_TITLE).first).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    desktop.shot("25-console-products")

    page.get_by_role("link", name="tops").first.click()
    expect(page.locator("h1")).to_contain_text("Tops")
    expect(page.locator(".chart-table tbody tr")).to_have_count(4)
    expect(page.locator(".sku-list")).to_contain_text("N-1")
    desktop.shot("26-console-chart")

    # Order outcomes: most buyers of SH-2 found it too small, so it is flagged as running small.
    page.get_by_role("link", name="Fit feedback file").click()
    page.locator("#file").set_input_files(
        {"name": "returns.csv", "mimeType": "text/csv", "buffer": FEEDBACK_CSV}
    )
    page.get_by_role("button", name="Check file").click()
    expect(page.locator(".alert-ok")).to_contain_text("40")
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".alert-ok")).to_contain_text("Received")
    page.get_by_role("link", name="View fit insights").click()
    expect(page.locator("h1")).to_have_text("Fit insights")
    expect(page.locator("tr", has_text="SH-2").locator(".tag")).to_have_text("Runs small")
    desktop.shot("27-console-insights")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/console/login")
    assert desktop.dialogs == [], desktop.dialogs
    assert desktop.errors == [], desktop.errors
    assert desktop.csp_violations == [], desktop.csp_violations


def test_console_on_a_phone(mobile: BrowserPage, live_server: LiveServer) -> None:
    page = mobile.page
    sign_in(page, live_server, live_server.demo_key)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    mobile.shot("28-console-mobile")
