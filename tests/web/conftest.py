"""Fixtures for the real-browser tests: a live uvicorn server, a second "shop" origin, and Chromium.

The server runs in a subprocess on a free port with its own var dir, the hash embedder and the demo
catalog. A small threaded HTTP server on another port plays a merchant's shop: its pages embed the
widget cross-origin and carry hostile CSS. Chromium is Debian's (/usr/bin/chromium); nothing is
downloaded. Without it the browser tests skip loudly, unless FITGUIDE_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from catalog import service as catalog_service
from catalog.merchants import create_merchant
from fitguide.db import Database

CHROMIUM = Path("/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "reports" / "screenshots"
SERVER_START_TIMEOUT = 120.0

XSS_TITLE = "<img src=x onerror=alert(1)>"
# A tiny catalog for the merchant whose shop is the second origin: one product carries a hostile title.
SHOP_CHARTS = (
    "chart_id,name,category,gender,kind,size,height,chest,waist,hip\n"
    "tops,Tops,shirt,women,body,S,155-162,80-86,62-68,86-92\n"
    "tops,Tops,shirt,women,body,M,162-168,86-92,68-74,92-98\n"
    "tops,Tops,shirt,women,body,L,168-175,92-98,74-80,98-104\n"
    "tops,Tops,shirt,women,body,XL,175-182,98-104,80-86,104-110\n"
)
SHOP_PRODUCTS = (
    "sku,title,description,category,gender,color,price,sizes,stock,size_chart\n"
    f'XSS-1,"{XSS_TITLE}",linen shirt,shirt,women,white,199,S|M|L|XL,S:2|M:2|L:0|XL:1,tops\n'
    "SH-2,Linen shirt,linen shirt for summer,shirt,women,blue,159,S|M|L|XL,S:2|M:2|L:2|XL:2,tops\n"
    "SH-3,Oxford shirt,cotton oxford shirt,shirt,women,white,129,S|M|L|XL,S:1|M:1|L:1|XL:1,tops\n"
)
HOSTILE_CSS = """
* { color: red !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important;
    line-height: 3 !important; letter-spacing: 4px !important; box-sizing: content-box !important; }
button { display: none !important; }
div, section, form, input, textarea { display: inline !important; position: static !important;
    border: 5px dotted lime !important; margin: 20px !important; padding: 20px !important; }
img { width: 600px !important; filter: invert(1) !important; }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT (no trailing slash)
    shop_url: str  # the second origin playing a merchant's shop
    var_dir: Path
    shop_key: str
    demo_key: str
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)


def _shop_page(api: str, merchant: str, lang: str, hostile: bool) -> bytes:
    style = f"<style>{HOSTILE_CSS}</style>" if hostile else ""
    html = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>A shop</title>{style}</head>
<body><h1>A merchant's own shop page</h1><p>Products are sold here.</p><button>Shop button</button>
<script src="{api}/widget.js" data-merchant="{merchant}" async></script></body></html>"""
    return html.encode()


def _start_shop_server(api: str) -> tuple[ThreadingHTTPServer, str]:
    class ShopHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            body = _shop_page(
                api,
                query.get("merchant", ["shop"])[0],
                query.get("lang", ["en"])[0],
                hostile=query.get("hostile", ["0"])[0] == "1",
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), ShopHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _prepare_database(var_dir: Path, shop_origin: str) -> str:
    """The shop merchant and its small catalog, written before the server starts."""
    database = Database(f"sqlite:///{(var_dir / 'fitguide.db').resolve()}")
    database.migrate()
    with database.session() as session:
        issued = create_merchant(session, "Hostile CSS Boutique", "shop", [shop_origin])
    charts = catalog_service.parse_chart_upload(SHOP_CHARTS.encode(), filename="charts.csv")
    products = catalog_service.parse_product_upload(SHOP_PRODUCTS.encode(), filename="products.csv")
    catalog_service.import_catalog(database, "shop", charts=charts, products=products)
    database.dispose()
    return issued.key


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("live") / "var"
    var_dir.mkdir(parents=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    shop_server, shop_url = _start_shop_server(api)
    shop_key = _prepare_database(var_dir, shop_url)
    env = {
        **os.environ,
        "FITGUIDE_VAR_DIR": str(var_dir),
        "FITGUIDE_EMBEDDER": "hash",
        "FITGUIDE_LOAD_DEMO": "true",
        "FITGUIDE_RATE_LIMIT_PER_MINUTE": "0",
        "FITGUIDE_LOG_LEVEL": "WARNING",
    }
    log_path = var_dir.parent / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "web.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited early:\n{log_path.read_text(errors='replace')[-4000:]}")
            try:
                if httpx.get(f"{api}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not ready in time:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.3)
        demo_key = (var_dir / "demo-merchant-key.txt").read_text().strip()
        yield LiveServer(api, shop_url, var_dir, shop_key, demo_key, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        shop_server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"BROWSER TESTS SKIPPED: {CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("FITGUIDE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " but FITGUIDE_REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@dataclass
class BrowserPage:
    """A fresh page plus what it saw: JS dialogs (alert = an XSS ran) and uncaught page errors."""

    page: Any
    dialogs: list[str]
    errors: list[str]
    console_errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [message for message in self.console_errors if "Content Security Policy" in message]

    def shot(self, name: str, full_page: bool = False) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def _open_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, BrowserPage]:
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: errors.append(str(error)))
    opened = BrowserPage(page, dialogs, errors)
    page.on(
        "console",
        lambda message: opened.console_errors.append(message.text) if message.type == "error" else None,
    )
    return context, opened


@pytest.fixture
def desktop(browser: Any) -> Iterator[BrowserPage]:
    context, page = _open_page(browser, {"width": 1280, "height": 860})
    yield page
    context.close()


@pytest.fixture
def mobile(browser: Any) -> Iterator[BrowserPage]:
    context, page = _open_page(browser, {"width": 360, "height": 740})
    yield page
    context.close()
