"""HTTP routes of the guide domain: thin wrappers over guide's service functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from fitguide.errors import NotReady
from guide.schemas import ChatRequest, ChatResponse
from guide.service import GuideService

router = APIRouter()


def get_guide(request: Request) -> GuideService:
    guide: GuideService | None = getattr(request.app.state, "guide", None)
    if guide is None:
        raise NotReady("The shopping guide is still starting.", "导购服务正在启动。", code="not_ready")
    return guide


GuideDep = Annotated[GuideService, Depends(get_guide)]


@router.post("/api/chat", response_model=ChatResponse, tags=["guide"])
def chat(body: ChatRequest, guide: GuideDep) -> ChatResponse:
    """One shopper message in; the reply, product cards with sizes, suggestion chips and filters out."""
    return guide.chat(body)
