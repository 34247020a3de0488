"""GuideService: one chat turn end to end (session, understanding, dialogue, sizes, reply)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fitguide.db import Database
from fitguide.errors import InvalidInput
from guide.dialogue import Card, Dialogue, DialogueState, SearchBackend, SizeAdvice, in_stock_in_size
from guide.nlu import parse
from guide.records import ProductRecord
from guide.replies import ReplyRenderer
from guide.schemas import ChatRequest, ChatResponse
from guide.sessions import SessionStore, new_session_id
from sizing.schemas import BodyInput, resolve_body
from sizing.service import record_events

PURGE_EVERY_TURNS = 500


class GuideService:
    """Built once in the web lifespan; ``chat`` is thread-safe (state lives in the database)."""

    def __init__(
        self,
        database: Database,
        search_for: Callable[[str], SearchBackend],
        sizing: Any | None,
        session_ttl_seconds: int,
        page_size: int = 6,
    ) -> None:
        self.database = database
        self.search_for = search_for
        self.sizing = sizing
        self.sessions = SessionStore(database, session_ttl_seconds)
        self.page_size = page_size
        self.replies = ReplyRenderer()
        self._brands: dict[tuple[str, int], tuple[str, ...]] = {}
        self._turns = 0

    # -- one turn ---------------------------------------------------------------------------------------

    def chat(self, request: ChatRequest) -> ChatResponse:
        search = self.search_for(request.merchant_id)  # raises NotFound for an unknown merchant
        profile, profile_fit = self._profile(request.profile)
        stored = self.sessions.load(request.merchant_id, request.session_id) if request.session_id else None
        session_id = request.session_id if stored is not None and request.session_id else new_session_id()
        state = DialogueState.from_dict(stored)
        parsed = parse(
            request.message, request.lang or state.lang, self._merchant_brands(request.merchant_id, search)
        )
        if request.lang:
            parsed.lang = request.lang
        dialogue = Dialogue(search, self._advisor(request.merchant_id), self.page_size)
        turn = dialogue.turn(state, parsed, profile, profile_fit)
        self.sessions.save(request.merchant_id, session_id, turn.state.as_dict())
        self._record_sizes(request.merchant_id, turn.cards)
        self._maybe_purge()
        return self.replies.response(session_id, turn)

    def _profile(self, profile: BodyInput | None) -> tuple[dict[str, Any] | None, str | None]:
        if profile is None:
            return None, None
        try:
            resolve_body(profile)
        except InvalidInput as error:
            # A form with only some fields filled is fine; wrong values are not.
            wrong = [issue for issue in error.issues if issue.code != "missing"]
            if wrong:
                raise InvalidInput(
                    "The profile is invalid: " + "; ".join(f"{i.column}: {i.reason}" for i in wrong),
                    "身体数据有误：" + "；".join(f"{i.column}：{i.reason_zh}" for i in wrong),
                    wrong,
                    error.code,
                ) from None
        data = profile.model_dump(exclude_none=True)
        fit = data.pop("fit_preference", None)
        return data, fit

    def _merchant_brands(self, merchant_id: str, search: SearchBackend) -> tuple[str, ...]:
        key = (merchant_id, id(search))
        brands = self._brands.get(key)
        if brands is None:
            products: list[ProductRecord] = getattr(search, "products", [])
            brands = tuple(sorted({p.brand.strip() for p in products if p.brand and p.brand.strip()}))
            self._brands = {k: v for k, v in self._brands.items() if k[0] != merchant_id}
            self._brands[key] = brands
        return brands

    def _advisor(self, merchant_id: str) -> Callable[..., dict[str, SizeAdvice]] | None:
        sizing = self.sizing
        if sizing is None:
            return None

        def advise(
            products: list[ProductRecord],
            body: dict[str, Any],
            fit_preference: str | None,
            sex: str | None,
            lang: str,
        ) -> dict[str, SizeAdvice]:
            data = dict(body)
            if sex and not data.get("sex"):
                data["sex"] = sex
            try:
                body_input = BodyInput(**data)
                results = sizing.recommend_batch(
                    merchant_id, [p.sku for p in products], body_input, fit_preference, lang
                )
            except (InvalidInput, ValueError):
                return {}  # the body says too little so far; the dialogue asks for what is missing
            advice = {}
            for product in products:
                found = results.get(product.sku)
                if found is None:
                    continue
                size = found.size
                advice[product.sku] = SizeAdvice(
                    size=size,
                    confidence=found.confidence,
                    # "runs small: most buyers took one size up" belongs next to the fit line.
                    fit_summary=" · ".join(filter(None, (found.fit_summary, found.fit_note))) or None,
                    alternatives=tuple(a.size for a in found.alternatives),
                    in_stock=in_stock_in_size(product, size) if size else None,
                    tight=any(d.verdict == "tight" and d.weight > 0 for d in found.dimensions),
                )
            return advice

        return advise

    def _record_sizes(self, merchant_id: str, cards: list[Card]) -> None:
        shown = [(c.product.sku, c.advice.size) for c in cards if c.advice is not None and c.advice.size]
        if shown:
            record_events(self.database, merchant_id, shown)

    def _maybe_purge(self) -> None:
        self._turns += 1
        if self._turns % PURGE_EVERY_TURNS == 0:
            self.sessions.purge_expired()
