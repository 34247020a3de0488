"""The embeddable widget script, its static assets and the demo shop page."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import select

from catalog.models import Merchant, Product
from web.deps import AppSettings, SessionDep

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
# Autoescape everything: merchant text is untrusted in every template.
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=True))

# Assets are not fingerprinted, so browsers revalidate after a short while (ETag makes that cheap).
ASSET_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
DEMO_PRODUCT_LIMIT = 24

router = APIRouter(include_in_schema=False)


def _asset_response(request: Request, path: Path) -> Response:
    stat = path.stat()
    etag = '"' + hashlib.sha256(f"{stat.st_mtime_ns}-{stat.st_size}".encode()).hexdigest()[:24] + '"'
    headers = {
        "Cache-Control": ASSET_CACHE_CONTROL,
        "ETag": etag,
        # Shop pages on any origin embed the widget, including ones that set COEP.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    media_type = (
        _MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


@router.get("/widget.js")
def widget_script(request: Request) -> Response:
    """The widget, embedded with ``<script src=".../widget.js" data-merchant="ID" async>``."""
    return _asset_response(request, STATIC_DIR / "widget.js")


@router.get("/static/{name:path}")
def static_asset(name: str, request: Request) -> Response:
    path = (STATIC_DIR / name).resolve()
    if not path.is_file() or not path.is_relative_to(STATIC_DIR):
        return Response("Not found", status_code=404, media_type="text/plain")
    return _asset_response(request, path)


def _page_language(request: Request, lang: str | None) -> str:
    if lang in ("zh", "en"):
        return lang
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def _image(url: str | None) -> str | None:
    """Only http(s) and site-relative images reach the page."""
    if url and (
        url.startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))
    ):
        return url
    return None


@router.get("/demo", response_class=HTMLResponse)
def demo_page(
    request: Request,
    session: SessionDep,
    settings: AppSettings,
    lang: Annotated[str | None, Query(description="'zh' or 'en'; default from Accept-Language.")] = None,
    merchant: Annotated[str | None, Query(max_length=64, description="Show another merchant's shop.")] = None,
) -> HTMLResponse:
    """A pretend shop front listing the demo catalog, with the widget embedded by its one tag."""
    merchant_id = merchant or settings.demo_merchant_id
    language = _page_language(request, lang)
    shop = session.get(Merchant, merchant_id)
    products: list[dict[str, Any]] = []
    if shop is not None:
        rows = session.scalars(
            select(Product)
            .where(Product.merchant_id == merchant_id)
            .order_by(Product.id)
            .limit(DEMO_PRODUCT_LIMIT)
        ).all()
        for product in rows:
            title = product.title_zh if language == "zh" and product.title_zh else product.title
            products.append(
                {
                    "sku": product.sku,
                    "title": title,
                    "price": product.price,
                    "currency": product.currency,
                    "image_url": _image(product.image_url),
                    "sizes": [variant.size_label for variant in product.variants],
                    "brand": product.brand,
                }
            )
    return templates.TemplateResponse(
        request,
        "demo.html",
        {
            "lang": language,
            "shop_name": shop.name if shop is not None else None,
            "merchant_id": merchant_id,
            "products": products,
            "widget_src": str(request.url_for("widget_script")),
        },
    )
