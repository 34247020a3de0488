"""Request and response shapes of POST /api/chat."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guide.nlu import INTENTS, MAX_MESSAGE_CHARS
from sizing.schemas import BodyInput

Lang = Literal["en", "zh"]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: str = Field(..., min_length=1, max_length=64)
    session_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{8,64}$", description="From the previous reply; omit to start."
    )
    message: str = Field(..., description=f"What the shopper typed, 1-{MAX_MESSAGE_CHARS} characters.")
    profile: BodyInput | None = Field(
        None, description="The shopper's body from the widget's 'my size' form; wins over chat values."
    )
    lang: Lang | None = Field(None, description="Reply language; by default the language of the message.")

    @field_validator("message")
    @classmethod
    def _message_length(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("message must not be empty / 消息不能为空")
        if len(stripped) > MAX_MESSAGE_CHARS:
            raise ValueError(
                f"message is {len(stripped)} characters; at most {MAX_MESSAGE_CHARS} are allowed / "
                f"消息最多 {MAX_MESSAGE_CHARS} 个字符"
            )
        return stripped


class ProductCard(BaseModel):
    """One product as the widget shows it. Merchant text is raw here; the widget renders it as text."""

    sku: str
    title: str
    price: float
    currency: str
    image_url: str | None = None
    url: str | None = None
    brand: str | None = None
    color: str | None = None
    material: str | None = None
    fit: str | None = None
    sizes: list[str] = Field(default_factory=list)
    recommended_size: str | None = None
    size_confidence: float | None = None
    fit_summary: str | None = None
    alternatives: list[str] = Field(default_factory=list)
    in_stock_in_size: bool | None = None
    size_warning: bool = Field(
        False,
        description="Even the recommended size will be tight where it matters (a body beyond the chart).",
    )


class Relaxation(BaseModel):
    field: str
    original: Any = None
    replacement: Any = None


class ChatResponse(BaseModel):
    session_id: str
    reply: str = Field(..., description="HTML-escaped text: merchant words inside it are escaped.")
    lang: Lang
    intent: Literal[INTENTS]  # type: ignore[valid-type]
    products: list[ProductCard] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    filters: dict[str, Any] = Field(default_factory=dict, description="The session's hard constraints.")
    preferences: dict[str, Any] = Field(default_factory=dict, description="Soft ranking preferences.")
    comparison: list[ProductCard] | None = None
    relaxed: list[Relaxation] | None = None
    body: dict[str, Any] = Field(
        default_factory=dict,
        description="The body the guide sizes with, read from the chat or the profile: height_cm, weight_kg "
        "and sex when known. The widget keeps it as the shopper's 'my size'.",
    )
