"""HTTP routes of the sizing domain: thin wrappers over SizingService."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from fitguide.errors import NotReady
from sizing.schemas import (
    BatchRecommendRequest,
    BatchRecommendResponse,
    EstimateRequest,
    EstimateResponse,
    Recommendation,
    RecommendRequest,
)
from sizing.service import SizingService, record_events
from web.deps import DatabaseDep, Language

router = APIRouter(prefix="/api/size", tags=["sizing"])


def get_sizing(request: Request) -> SizingService:
    service: SizingService | None = getattr(request.app.state, "sizing", None)
    if service is None:
        raise NotReady("The size recommender is still loading.", "尺码推荐服务正在加载。", code="not_ready")
    return service


SizingDep = Annotated[SizingService, Depends(get_sizing)]


@router.post("/estimate", response_model=EstimateResponse)
def estimate(payload: EstimateRequest, sizing: SizingDep, language: Language) -> EstimateResponse:
    """Body measurements (estimate + 80% interval) and GB/T 号型 from height, weight and more; a `reference`
    garment needs `merchant_id` (brand size charts belong to a merchant)."""
    return sizing.estimate(payload, payload.lang or language, payload.merchant_id)


@router.post("/recommend", response_model=Recommendation)
def recommend(
    payload: RecommendRequest,
    sizing: SizingDep,
    language: Language,
    database: DatabaseDep,
    background: BackgroundTasks,
) -> Recommendation:
    """The size of one product that fits this body, with probabilities, trade-offs and reasons."""
    result = sizing.recommend(
        payload.merchant_id, payload.sku, payload.body, payload.fit_preference, payload.lang or language
    )
    background.add_task(record_events, database, payload.merchant_id, [(result.sku, result.size)])
    return result


@router.post("/recommend/batch", response_model=BatchRecommendResponse)
def recommend_batch(
    payload: BatchRecommendRequest,
    sizing: SizingDep,
    language: Language,
    database: DatabaseDep,
    background: BackgroundTasks,
) -> BatchRecommendResponse:
    """Recommendations for many products of one merchant (a result page); unknown skus are listed."""
    results = sizing.recommend_batch(
        payload.merchant_id, payload.skus, payload.body, payload.fit_preference, payload.lang or language
    )
    unknown = [sku for sku in dict.fromkeys(payload.skus) if sku not in results]
    shown = [(sku, rec.size) for sku, rec in results.items() if rec.status == "ok"]
    background.add_task(record_events, database, payload.merchant_id, shown)
    return BatchRecommendResponse(results=results, unknown_skus=unknown)
