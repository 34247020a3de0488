"""The ``fitguide`` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fitguide.errors import FitGuideError
from fitguide.settings import get_settings

if TYPE_CHECKING:
    from fitguide.db import Database

app = typer.Typer(help="FitGuide: shopping guide and size recommender for apparel.", no_args_is_help=True)
merchant_app = typer.Typer(help="Create merchants and manage their API keys.", no_args_is_help=True)
app.add_typer(merchant_app, name="merchant")
eval_app = typer.Typer(help="Offline evaluations that write reports under reports/.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def _database() -> Database:
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


def _print_issues(error: FitGuideError) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    console.print(f"[red]error:[/red] {error.message}")
    if not error.issues:
        return
    table = Table("row", "column", "value", "problem", show_lines=False)
    for issue in error.issues:
        value = "" if issue.value is None else str(issue.value)
        table.add_row(str(issue.row or ""), issue.column or "", value[:40], issue.reason)
    console.print(table)


@app.command("import")
def import_catalog_files(
    merchant: Annotated[str, typer.Option("--merchant", help="Merchant id to import into.")],
    charts: Annotated[
        Path | None, typer.Option(help="Size-chart file (CSV, XLSX or JSON).", exists=True, dir_okay=False)
    ] = None,
    products: Annotated[
        Path | None, typer.Option(help="Product file (CSV, XLSX or JSON).", exists=True, dir_okay=False)
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report, store nothing.")] = False,
    mode: Annotated[
        str, typer.Option(help="upsert (replace listed skus/charts) or replace (whole catalog).")
    ] = "upsert",
) -> None:
    """Import size charts and/or products in one all-or-nothing transaction (exit code 2 on errors)."""
    from rich.progress import Progress

    from catalog.service import (
        import_catalog,
        limits_for,
        parse_chart_upload,
        parse_product_upload,
    )

    if charts is None and products is None:
        typer.echo("error: give --charts FILE and/or --products FILE", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    limits = limits_for(settings)
    database = _database()
    try:
        with Progress(transient=True) as progress:
            reading = progress.add_task("reading files", total=None)
            parsed_charts = (
                parse_chart_upload(charts.read_bytes(), filename=charts.name, limits=limits)
                if charts
                else None
            )
            parsed_products = (
                parse_product_upload(products.read_bytes(), filename=products.name, limits=limits)
                if products
                else None
            )
            progress.update(reading, total=1, completed=1)
            storing = progress.add_task("checking and storing", total=None)

            def on_progress(_stage: str, done: int, total: int) -> None:
                progress.update(storing, completed=done, total=total)

            report = import_catalog(
                database,
                merchant,
                charts=parsed_charts,
                products=parsed_products,
                mode=mode,
                dry_run=dry_run,
                progress=on_progress,
            )
            progress.update(storing, total=1, completed=1)
    except FitGuideError as error:
        _print_issues(error)
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    summary = report.as_dict()
    summary.pop("preview", None)
    summary.pop("chart_preview", None)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@eval_app.command("sizing")
def eval_sizing(
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports/sizing"),
    rtr_sample: Annotated[
        int | None, typer.Option(help="Evaluate RentTheRunway on a random sample of rows (default: all).")
    ] = None,
    skip_rtr: Annotated[bool, typer.Option(help="Only the ANSUR body/size evaluation.")] = False,
) -> None:
    """Size recommendation on ANSUR II held-out people (+ RentTheRunway fit feedback when available)."""
    from sizing.eval_ansur import run as run_ansur

    run_ansur(out, get_settings().data_dir)
    if skip_rtr:
        return
    try:
        from sizing.eval_rtr import run as run_rtr
    except ImportError:
        typer.echo("RentTheRunway evaluation not available (sizing.eval_rtr missing).")
        return
    run_rtr(out, sample=rtr_sample)


@eval_app.command("guide")
def eval_guide(
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports/guide"),
    queries: Annotated[Path | None, typer.Option(help="Judged queries (JSONL).")] = None,
    dialogues: Annotated[Path | None, typer.Option(help="Scripted dialogues (JSONL).")] = None,
    embedder: Annotated[
        str | None, typer.Option(help="'sentence-transformers' (default setting) or 'hash' (quick check).")
    ] = None,
) -> None:
    """Search quality (nDCG@10, recall@50 per method and language), violations and scripted dialogues."""
    from guide.eval_guide import run as run_guide_eval

    settings = get_settings()
    if embedder:
        settings = settings.model_copy(update={"embedder": embedder})
    eval_dir = settings.data_dir / "eval"
    report = run_guide_eval(
        out,
        settings,
        queries or eval_dir / "guide_queries.jsonl",
        dialogues or eval_dir / "guide_dialogues.jsonl",
        progress=typer.echo,
    )
    typer.echo(f"targets: {json.dumps(report['targets'])}\nwrote {out / 'eval.json'} and {out / 'eval.md'}")


def main() -> None:
    try:
        app()
    except FitGuideError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise SystemExit(2) from error
