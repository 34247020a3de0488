"""``fitguide eval guide``: retrieval quality, hard-constraint violations and scripted dialogues.

The demo catalog is loaded into a temporary database through the normal catalog import, indexed by the
same IndexManager the service uses, and every judged query goes through the shopper pipeline: the NLU
parser and the dialogue's first search turn decide the search text and filters, exactly as in a chat.
Each retrieval mode then ranks with those inputs:

- graded relevance per product from the query's attribute criteria: 2 when every ``exact`` criterion
  holds, 1 when every (non-empty) ``partial`` criterion holds, else 0; a product that breaks the query's
  ``constraints`` is 0 whatever its attributes (the shopper ruled it out);
- nDCG@10 (gain 2^rel - 1) against the ideal ranking of the whole catalog;
- recall@50 of the grade-2 products, over min(50, number of grade-2 products), so a query with hundreds
  of equally good products can still reach 1.0;
- constraint violations: returned products (top 50) that break the query's ``constraints``, checked by
  a brute-force reading of the Filters contract, independent of the search's own mask code.

Weighted fusion's lexical weight is tuned on the even-numbered queries and reported on all queries and
on the odd-numbered (held-out) half.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from catalog import taxonomy
from fitguide.db import Database
from fitguide.settings import Settings
from guide.filters import Filters
from guide.records import ProductRecord
from guide.search import CatalogSearch, FusionConfig, SearchMode, SearchPage
from sizing.size_systems import normalize_size_label

WEIGHT_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
METHODS = ("bm25", "dense", "hybrid_rrf", "hybrid_weighted")


# -- judging --------------------------------------------------------------------------------------------


def _values(field_name: str, product: ProductRecord) -> set[str]:
    raw = getattr(product, field_name)
    if not raw:
        return set()
    if field_name == "brand":
        return {raw.strip().lower()}
    if field_name == "fit":
        return {raw.strip().lower()}
    return {taxonomy.canonical(field_name, part) or part.strip().lower() for part in str(raw).split(",")}


def criterion_holds(product: ProductRecord, field_name: str, wanted: list[Any]) -> bool:
    if field_name == "price_range":
        low, high = wanted
        return bool(low <= product.price <= high)
    wanted_set = {str(w).strip().lower() for w in wanted}
    if field_name not in ("brand", "fit"):
        wanted_set = {taxonomy.canonical(field_name, w) or w for w in wanted_set}
    return bool(_values(field_name, product) & wanted_set)


def violates(product: ProductRecord, constraints: Filters) -> bool:
    """Brute-force reading of the Filters contract (unisex and unstated gender suit either)."""
    f = constraints

    def has(field_name: str, values: list[str]) -> bool:
        return criterion_holds(product, field_name, values)

    checks = [
        bool(f.categories) and not has("category", f.categories),
        bool(f.colors) and not has("color", f.colors),
        bool(f.exclude_colors) and has("color", f.exclude_colors),
        bool(f.materials) and not has("material", f.materials),
        bool(f.exclude_materials) and has("material", f.exclude_materials),
        bool(f.brands) and not has("brand", f.brands),
        bool(f.exclude_brands) and has("brand", f.exclude_brands),
        bool(f.seasons) and not has("season", f.seasons),
        bool(f.occasions) and not has("occasion", f.occasions),
        bool(f.gender) and bool(product.gender) and not has("gender", [f.gender or "", "unisex"]),
        f.price_min is not None and product.price < f.price_min,
        f.price_max is not None and product.price > f.price_max,
        bool(f.size_in_stock) and not product.in_stock(normalize_size_label(f.size_in_stock or "")),
        bool(f.skus) and product.sku not in f.skus,
        product.sku in f.exclude_skus,
    ]
    return any(checks)


def grade(product: ProductRecord, criteria: dict[str, dict[str, list[Any]]], constraints: Filters) -> int:
    if violates(product, constraints):
        return 0
    exact = criteria.get("exact") or {}
    if exact and all(criterion_holds(product, k, v) for k, v in exact.items()):
        return 2
    partial = criteria.get("partial") or {}
    if partial and all(criterion_holds(product, k, v) for k, v in partial.items()):
        return 1
    return 0


def ndcg_at(ranked_grades: list[int], all_grades: list[int], k: int = 10) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked_grades) / ideal if ideal > 0 else 0.0


def recall_at(ranked_grades: list[int], all_grades: list[int], k: int = 50) -> float:
    relevant = sum(1 for g in all_grades if g == 2)
    if relevant == 0:
        return 0.0
    return sum(1 for g in ranked_grades[:k] if g == 2) / min(k, relevant)


# -- the shopper pipeline's search inputs -------------------------------------------------------------


@dataclass
class _RecordingSearch:
    """Stands in for CatalogSearch inside the dialogue to capture the search it would run."""

    inner: CatalogSearch
    calls: list[tuple[str, Filters]] = field(default_factory=list)

    def search(
        self,
        text: str,
        filters: Filters | None = None,
        offset: int = 0,
        limit: int = 10,
        mode: Any = "hybrid",
        sort: Any = None,
    ) -> SearchPage:
        self.calls.append((text, filters or Filters()))
        return self.inner.search(text, filters, offset, limit, mode, sort)

    def nearest_relaxed(
        self, text: str, filters: Filters, limit: int = 10, mode: Any = "hybrid", sort: Any = None
    ) -> Any:
        return self.inner.nearest_relaxed(text, filters, limit, mode, sort)

    def get(self, sku: str) -> ProductRecord | None:
        return self.inner.get(sku)


def pipeline_inputs(search: CatalogSearch, query: str, lang: str) -> tuple[str, Filters, str]:
    """(search text, filters, intent) the chat pipeline derives from a shopper's first message."""
    from guide.dialogue import Dialogue, DialogueState
    from guide.nlu import parse

    parsed = parse(query, lang)
    recorder = _RecordingSearch(search)
    Dialogue(recorder, None, 10).turn(DialogueState(lang=lang), parsed)
    if recorder.calls:
        text, filters = recorder.calls[-1]  # the main search; earlier calls are the dialogue's probes
        return text, filters, parsed.intent
    return parsed.text_for_search, Filters(), parsed.intent


# -- running ------------------------------------------------------------------------------------------


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _ranked(search: CatalogSearch, text: str, filters: Filters, method: str, weight: float) -> list[int]:
    mode: SearchMode = "hybrid" if method.startswith("hybrid") else method  # type: ignore[assignment]
    if method == "hybrid_rrf":
        search.fusion = FusionConfig("rrf", weight, search.fusion.dense_top_n, search.fusion.lexical_top_n)
    elif method == "hybrid_weighted":
        search.fusion = FusionConfig(
            "weighted", weight, search.fusion.dense_top_n, search.fusion.lexical_top_n
        )
    rows, _ = search.ranked(text, filters, mode)
    return rows[:50].tolist()


def _mean(values: list[float]) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0


def evaluate_queries(
    search: CatalogSearch,
    queries: list[dict[str, Any]],
    default_weight: float,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    products = search.products
    prepared = []
    parse_seconds = 0.0
    for query in queries:
        constraints = Filters.from_dict(query.get("constraints"))
        started = time.perf_counter()
        text, filters, intent = pipeline_inputs(search, query["query"], query["lang"])
        parse_seconds += time.perf_counter() - started
        all_grades = [grade(p, query["criteria"], constraints) for p in products]
        prepared.append((query, constraints, text, filters, intent, all_grades))
    progress(f"parsed {len(prepared)} queries")

    def run(method: str, weight: float, subset: Callable[[int], bool] = lambda _: True) -> dict[str, Any]:
        per_lang: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        violations = 0  # against the judged constraints: parser misses count here
        filter_violations = 0  # against the filters search was given: retrieval's own guarantee
        returned = 0
        violating_queries: list[str] = []
        for position, (query, constraints, text, filters, _intent, all_grades) in enumerate(prepared):
            if not subset(position):
                continue
            rows = _ranked(search, text, filters, method, weight)
            bad = [products[r].sku for r in rows if violates(products[r], constraints)]
            filter_violations += sum(1 for r in rows if violates(products[r], filters))
            returned += len(rows)
            violations += len(bad)
            if bad:
                violating_queries.append(query["id"])
            if query.get("expect_empty") or not any(all_grades):
                continue
            ranked = [all_grades[r] for r in rows]
            for lang in (query["lang"], "all"):
                per_lang[lang]["ndcg@10"].append(ndcg_at(ranked, all_grades))
                per_lang[lang]["recall@50"].append(recall_at(ranked, all_grades))
        return {
            "by_lang": {
                lang: {metric: _mean(v) for metric, v in metrics.items()}
                | {"queries": len(metrics["ndcg@10"])}
                for lang, metrics in per_lang.items()
            },
            "violations": violations,
            "filter_violations": filter_violations,
            "returned": returned,
            "violation_rate": round(violations / returned, 6) if returned else 0.0,
            "violating_queries": violating_queries,
        }

    methods = {}
    for method in METHODS:
        methods[method] = run(method, default_weight)
        progress(f"{method}: {methods[method]['by_lang'].get('all')}")
    grid = {}
    for weight in WEIGHT_GRID:
        grid[str(weight)] = {
            "tune_half": run("hybrid_weighted", weight, lambda i: i % 2 == 0)["by_lang"],
            "held_out_half": run("hybrid_weighted", weight, lambda i: i % 2 == 1)["by_lang"],
        }
    best_weight = max(WEIGHT_GRID, key=lambda w: grid[str(w)]["tune_half"]["all"]["ndcg@10"])
    methods["hybrid_weighted_tuned"] = run("hybrid_weighted", best_weight)

    empty_checks = []
    for query, _constraints, text, filters, _intent, _grades in prepared:
        if query.get("expect_empty"):
            empty_checks.append({"id": query["id"], "returned": search.search(text, filters, limit=1).total})
    intents: dict[str, int] = defaultdict(int)
    for *_, intent, _grades in prepared:
        intents[intent] += 1
    return {
        "queries": len(queries),
        "languages": {lang: sum(1 for q in queries if q["lang"] == lang) for lang in ("zh", "en")},
        "parse_ms_per_query": round(parse_seconds * 1000 / max(1, len(queries)), 3),
        "parsed_intents": dict(intents),
        "methods": methods,
        "weight_grid": grid,
        "default_weight": default_weight,
        "tuned_weight": best_weight,
        "expect_empty": {
            "queries": len(empty_checks),
            "correctly_empty": sum(1 for c in empty_checks if c["returned"] == 0),
            "not_empty": [c["id"] for c in empty_checks if c["returned"]],
        },
    }


# -- dialogues ----------------------------------------------------------------------------------------


def _condition_holds(product: ProductRecord, key: str, condition: Any) -> bool:
    if key == "in_stock":
        return product.in_stock(normalize_size_label(str(condition)))
    value: Any = product.price if key == "price" else getattr(product, key, None)
    if isinstance(condition, dict):
        if "in" in condition and value not in condition["in"]:
            return False
        if "not_in" in condition and value in condition["not_in"]:
            return False
        if "max" in condition and (value is None or value > condition["max"]):
            return False
        return not ("min" in condition and (value is None or value < condition["min"]))
    return bool(value == condition)


def _filters_match(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    for key, want in expected.items():
        have = actual.get(key)
        if isinstance(want, list):
            if not isinstance(have, list) or {str(v).lower() for v in have} != {str(v).lower() for v in want}:
                return False
        elif isinstance(want, int | float) and not isinstance(want, bool):
            if not isinstance(have, int | float) or abs(have - want) > 1e-6:
                return False
        elif str(have).lower() != str(want).lower():
            return False
    return True


def evaluate_dialogues(
    database: Database,
    settings: Settings,
    search_for: Callable[[str], CatalogSearch],
    dialogues: list[dict[str, Any]],
) -> dict[str, Any]:
    from guide.schemas import ChatRequest
    from guide.service import GuideService
    from sizing.body_model import load_body_model
    from sizing.service import SizingService

    sizing = SizingService(load_body_model(settings.data_dir), database)
    guide = GuideService(database, search_for, sizing, settings.session_ttl_seconds)
    checks: dict[str, list[bool]] = defaultdict(list)
    failures: list[dict[str, Any]] = []
    passed_dialogues = 0
    for dialogue in dialogues:
        session_id = None
        previous_skus: list[str] = []
        previous_prices: list[float] = []
        all_ok = True
        for number, turn in enumerate(dialogue["turns"], 1):
            request = ChatRequest(
                merchant_id=settings.demo_merchant_id,
                session_id=session_id,
                message=turn["message"],
                lang=turn.get("lang"),
            )
            response = guide.chat(request)
            session_id = response.session_id
            products = [
                p for card in response.products if (p := search_for(settings.demo_merchant_id).get(card.sku))
            ]
            expect = turn["expect"]
            outcome: dict[str, bool] = {}
            if "intent" in expect:
                outcome["intent"] = response.intent == expect["intent"]
            if "filters" in expect:
                outcome["filters"] = _filters_match(response.filters, expect["filters"])
            if "filters_absent" in expect:
                outcome["filters_absent"] = not any(response.filters.get(k) for k in expect["filters_absent"])
            if "results" in expect:
                conditions = expect["results"].get("all", {})
                outcome["results"] = bool(products) and all(
                    _condition_holds(p, k, c) for p in products for k, c in conditions.items()
                )
            if expect.get("new_results"):
                outcome["new_results"] = bool(products) and not {p.sku for p in products} & set(previous_skus)
            if expect.get("price_max_below_previous_min"):
                price_max = response.filters.get("price_max")
                outcome["price_max_below_previous_min"] = (
                    bool(previous_prices) and price_max is not None and (price_max < min(previous_prices))
                )
            if expect.get("recommended_size"):
                outcome["recommended_size"] = bool(response.products) and all(
                    card.recommended_size for card in response.products
                )
            if "profile" in expect:
                stored = guide.sessions.load(settings.demo_merchant_id, session_id) or {}
                body = stored.get("body") or {}
                outcome["profile"] = all(
                    body.get(k) is not None and abs(float(body[k]) - float(v)) <= 1.0
                    for k, v in expect["profile"].items()
                )
            for name, ok in outcome.items():
                checks[name].append(ok)
            if not all(outcome.values()):
                all_ok = False
                failures.append(
                    {
                        "dialogue": dialogue["id"],
                        "turn": number,
                        "message": turn["message"],
                        "failed": [k for k, ok in outcome.items() if not ok],
                        "intent": response.intent,
                        "filters": response.filters,
                        "products": [p.sku for p in products][:5],
                    }
                )
            if products:
                previous_skus = [p.sku for p in products]
                previous_prices = [p.price for p in products]
        passed_dialogues += all_ok
    return {
        "dialogues": len(dialogues),
        "dialogues_passed": passed_dialogues,
        "turns": sum(len(d["turns"]) for d in dialogues),
        "pass_rate_by_expectation": {
            k: {"passed": sum(v), "total": len(v), "rate": round(sum(v) / len(v), 4)}
            for k, v in sorted(checks.items())
        },
        "failures": failures,
    }


# -- report -------------------------------------------------------------------------------------------


def _targets(queries: dict[str, Any]) -> dict[str, Any]:
    methods = queries["methods"]
    default = "hybrid_rrf" if queries["default_fusion"] == "rrf" else "hybrid_weighted"
    result: dict[str, Any] = {
        "zero_violations": all(m["violations"] == 0 for m in methods.values()),
        "zero_filter_violations": all(m["filter_violations"] == 0 for m in methods.values()),
    }
    for lang in ("zh", "en"):
        best_single = max(methods[m]["by_lang"].get(lang, {}).get("ndcg@10", 0.0) for m in ("bm25", "dense"))
        hybrid = methods[default]["by_lang"].get(lang, {}).get("ndcg@10", 0.0)
        result[f"hybrid_ge_best_single_{lang}"] = hybrid >= best_single
    zh = methods[default]["by_lang"].get("zh", {}).get("ndcg@10", 0.0)
    en = methods[default]["by_lang"].get("en", {}).get("ndcg@10", 0.0)
    result["zh_within_0.05_of_en"] = zh >= en - 0.05
    return result


def render_markdown(report: dict[str, Any]) -> str:
    queries = report["queries"]
    lines = [
        "# Guide evaluation",
        "",
        f"Generated {report['generated_at']} by `fitguide eval guide` in {report['seconds']} s. "
        f"Catalog: {report['catalog']['products']} demo products; embedder `{report['embedder']}`; "
        f"default fusion `{queries['default_fusion']}` (lexical weight {queries['default_weight']}).",
        "",
        f"## Retrieval ({queries['queries']} judged queries: {queries['languages']})",
        "",
        "| method | zh nDCG@10 | zh recall@50 | en nDCG@10 | en recall@50 | all nDCG@10 | violations "
        "(judged constraints) | violations (filters given to search) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, result in queries["methods"].items():
        by_lang = result["by_lang"]
        cells = [
            f"{by_lang.get(lang, {}).get(metric, 0):.3f}"
            for lang in ("zh", "en")
            for metric in ("ndcg@10", "recall@50")
        ]
        label = name if name != "hybrid_weighted_tuned" else f"hybrid_weighted (w={queries['tuned_weight']})"
        lines.append(
            f"| {label} | {' | '.join(cells)} | {by_lang.get('all', {}).get('ndcg@10', 0):.3f} | "
            f"{result['violations']}/{result['returned']} | {result['filter_violations']} |"
        )
    lines += [
        "",
        "Weighted fusion, lexical weight grid (nDCG@10, all languages; tuned on even-numbered queries):",
        "",
        "| weight | tune half | held-out half |",
        "|---|---|---|",
    ]
    for weight, result in queries["weight_grid"].items():
        lines.append(
            f"| {weight} | {result['tune_half']['all']['ndcg@10']:.3f} | "
            f"{result['held_out_half']['all']['ndcg@10']:.3f} |"
        )
    empty = queries["expect_empty"]
    lines += [
        "",
        f"Queries that must find nothing: {empty['correctly_empty']}/{empty['queries']} returned nothing"
        + (f" (not empty: {', '.join(empty['not_empty'])})" if empty["not_empty"] else "")
        + ".",
        "",
        "## Targets",
        "",
    ]
    lines += [f"- {name}: {'PASS' if ok else 'FAIL'}" for name, ok in report["targets"].items()]
    dialogues = report.get("dialogues")
    if dialogues:
        lines += [
            "",
            f"## Dialogues ({dialogues['dialogues']} scripted, {dialogues['turns']} turns)",
            "",
            f"Dialogues with every expectation met: "
            f"{dialogues['dialogues_passed']}/{dialogues['dialogues']}.",
            "",
            "| expectation | passed | rate |",
            "|---|---|---|",
        ]
        for name, result in dialogues["pass_rate_by_expectation"].items():
            lines.append(f"| {name} | {result['passed']}/{result['total']} | {result['rate']:.3f} |")
        if dialogues["failures"]:
            lines += ["", "Failed turns:", ""]
            lines += [
                f"- {f['dialogue']} turn {f['turn']} `{f['message']}`: {', '.join(f['failed'])}"
                for f in dialogues["failures"][:40]
            ]
    elif report.get("dialogues_skipped"):
        lines += ["", f"Dialogues skipped: {report['dialogues_skipped']}"]
    lines += [
        "",
        "Relevance: 2 when every `exact` criterion holds, 1 when every `partial` one does; a product "
        "breaking the query's constraints counts 0. recall@50 counts grade-2 products over "
        "min(50, their number). Search inputs come from the shopper pipeline (NLU parse + dialogue).",
        "",
    ]
    return "\n".join(lines)


def run(
    out_dir: Path,
    settings: Settings,
    queries_path: Path,
    dialogues_path: Path | None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    from catalog.demo import ensure_demo_merchant
    from guide.embedding import build_embedder
    from guide.index_manager import IndexManager, embedding_text, load_product_records

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fitguide-eval-") as scratch:
        # A fresh database every run; the index snapshot lives in a cache folder named after the exact
        # texts it embeds, so an unchanged catalog is not embedded again (minutes on 2 shared cores).
        database = Database(f"sqlite:///{Path(scratch) / 'eval.db'}")
        database.migrate()
        load_settings = settings.model_copy(update={"var_dir": Path(scratch), "load_demo": True})
        ensure_demo_merchant(database, load_settings)
        embedder = build_embedder(settings)
        with database.session() as session:
            records = load_product_records(session, settings.demo_merchant_id)
        key = hashlib.sha256(
            json.dumps(
                [embedder.name, [[asdict(p), embedding_text(p)] for p in records]], sort_keys=True
            ).encode()
        ).hexdigest()[:16]
        work_settings = settings.model_copy(
            update={"var_dir": settings.var_dir / "eval-cache" / key, "database_url": database.url}
        )
        manager = IndexManager(work_settings, database, embedder)
        search = manager.for_merchant(work_settings.demo_merchant_id)
        progress(f"indexed {search.size} products in {time.perf_counter() - started:.1f} s")
        query_report = evaluate_queries(search, _load(queries_path), settings.fusion_lexical_weight, progress)
        query_report["default_fusion"] = settings.hybrid_fusion
        report: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedder": embedder.name,
            "catalog": {"products": search.size},
            "queries": query_report,
            "query_cache": manager.query_cache.stats(),
        }
        report["targets"] = _targets(query_report)
        if dialogues_path is not None and dialogues_path.exists():
            search.fusion = manager.fusion
            report["dialogues"] = evaluate_dialogues(
                database, work_settings, manager.for_merchant, _load(dialogues_path)
            )
            progress(
                f"dialogues: {report['dialogues']['dialogues_passed']}/{report['dialogues']['dialogues']}"
            )
        else:
            report["dialogues_skipped"] = f"no dialogue file at {dialogues_path}"
        manager.close()
        database.dispose()
    report["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "eval.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "eval.md").write_text(render_markdown(report), encoding="utf-8")
    return report
