"""The ``fitguide`` command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from fitguide.settings import get_settings

app = typer.Typer(help="FitGuide: shopping guide and size recommender for apparel.", no_args_is_help=True)
merchant_app = typer.Typer(help="Create merchants and manage their API keys.", no_args_is_help=True)
app.add_typer(merchant_app, name="merchant")


def _database():  # type: ignore[no-untyped-def]
    from fitguide.db import Database

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    return database


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Start the HTTP service."""
    import uvicorn

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    typer.echo(
        f"FitGuide on http://{host}:{port}  demo: http://{host}:{port}/demo  "
        f"API docs: http://{host}:{port}/docs  console: http://{host}:{port}/console"
    )
    uvicorn.run("web.main:app", host=host, port=port, workers=workers, log_config=None, proxy_headers=False)


@merchant_app.command("create")
def merchant_create(
    name: str,
    merchant_id: Annotated[str | None, typer.Option("--id", help="Merchant id (default from name).")] = None,
    origin: Annotated[list[str] | None, typer.Option(help="Allowed widget origin; repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"id", "key"} as JSON.')] = False,
) -> None:
    """Create a merchant and print its id and API key (shown only this once)."""
    from catalog.merchants import create_merchant, set_allowed_origins

    database = _database()
    with database.session() as session:
        issued = create_merchant(session, name, merchant_id)
        if origin:
            set_allowed_origins(session, issued.merchant_id, origin)
    if as_json:
        typer.echo(json.dumps({"id": issued.merchant_id, "key": issued.key}))
    else:
        typer.echo(
            f"merchant id: {issued.merchant_id}\napi key:     {issued.key}\n"
            "Store the key now: FitGuide keeps only its hash."
        )


@merchant_app.command("rotate-key")
def merchant_rotate_key(merchant_id: str) -> None:
    """Issue a new key for a merchant and revoke all older ones."""
    from catalog.merchants import rotate_key

    with _database().session() as session:
        issued = rotate_key(session, merchant_id)
    typer.echo(f"new api key: {issued.key}\nAll previous keys are revoked.")


@merchant_app.command("revoke-key")
def merchant_revoke_key(merchant_id: str, prefix: str) -> None:
    """Revoke a merchant's active keys that start with PREFIX."""
    from catalog.merchants import revoke_key

    with _database().session() as session:
        count = revoke_key(session, merchant_id, prefix)
    typer.echo(f"revoked {count} key(s)")


@merchant_app.command("origins")
def merchant_origins(merchant_id: str, origins: list[str]) -> None:
    """Set the origins allowed to embed the widget (replaces the list)."""
    from catalog.merchants import set_allowed_origins

    with _database().session() as session:
        merchant = set_allowed_origins(session, merchant_id, origins)
        typer.echo("allowed origins: " + ", ".join(merchant.allowed_origins))


def main() -> None:
    from fitguide.errors import FitGuideError

    try:
        app()
    except FitGuideError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise SystemExit(2) from error
