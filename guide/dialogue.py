"""The chat session state machine: one parsed message in, the next state and what to say out.

Pure given a search object and a size-advice function; no database, no rendering, no fastapi.

How a session's constraints evolve (decisions):

- Constraints accumulate; a new value of the same kind replaces the old one ("red" then "blue" = blue).
- A new category replaces the old one and drops what was specific to the old item: the wanted colours,
  materials and brands, occasion, season, the price range, the fit and the search words. What belongs to
  the person stays: gender, the size in stock, every exclusion ("no polyester" is a dislike, not a
  product detail) and the body profile.
- Occasion and season are hard filters like colour (the search loosens them first when nothing
  matches); fit is only a ranking preference because few catalogs state it.
- "cheaper" sets ``price_max`` just below the cheapest price shown last turn (and drops ``price_min``).
  If nothing is cheaper the filters stay, results are sorted by price and the reply says these are the
  cheapest. "more expensive" mirrors it: ``price_min`` just above the priciest shown, no ``price_max``.
- "other colours" drops the wanted colours and excludes them; when no colour was asked for it excludes
  the colours just shown. Naming a colour later lifts its exclusion.
- "size L" sets ``size_in_stock``; "大码" / "plus size" without a label sets XL.
- "show more" pages; "reset" clears everything, the body profile included (the widget's "my size" form
  sends its profile with every request, so that one comes straight back).
- "Any bigger size?" / "有没有大一点的码" with a body and products shown does not search again: the reply says
  the recommended size already allows for the body and names each product's next size up (down), whether
  the recommender rated it a close alternative, and its stock; it offers the fit preference that really
  moves the recommendation ("I like it loose").
- Too vague ("I want clothes") gets one clarifying question; never two in a row.
- Nothing matches: the search's ``nearest_relaxed`` loosens one constraint (never an exclusion) and the
  reply names it. The shopper's own filters stay as they were; paging continues on the relaxed ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from catalog.taxonomy import label
from guide.filters import Filters
from guide.nlu import ParsedMessage
from guide.nlu.parser import FIT_TEXT, SIZE_STEPS
from guide.records import ProductRecord
from sizing.size_systems import normalize_size_label

PAGE_SIZE = 6
MAX_COMPARE = 3
CHEAPER_EPSILON = 0.01
PLUS_SIZE_LABEL = "XL"
MAX_EXCLUDED_SKUS = 120
_PERSON_FIELDS = ("gender", "size_in_stock", "exclude_colors", "exclude_materials", "exclude_brands")


@dataclass(frozen=True)
class SizeAdvice:
    size: str | None
    confidence: float | None = None
    fit_summary: str | None = None
    alternatives: tuple[str, ...] = ()
    in_stock: bool | None = None
    # Even the recommended size will be tight in a dimension that chose it (a body beyond the chart).
    tight: bool = False


# (products, body, fit_preference, sex, lang) -> advice per sku; empty when the body says too little.
SizeAdvisor = Callable[
    [list[ProductRecord], dict[str, Any], str | None, str | None, str], dict[str, SizeAdvice]
]


class SearchBackend(Protocol):
    """What the dialogue needs from guide.search.CatalogSearch."""

    def search(
        self,
        text: str,
        filters: Filters | None = None,
        offset: int = 0,
        limit: int = 10,
        mode: Any = "hybrid",
        sort: Any = None,
    ) -> Any: ...

    def nearest_relaxed(
        self, text: str, filters: Filters, limit: int = 10, mode: Any = "hybrid", sort: Any = None
    ) -> Any: ...

    def get(self, sku: str) -> ProductRecord | None: ...


@dataclass
class DialogueState:
    """Everything a session remembers; plain JSON through ``as_dict``/``from_dict``."""

    lang: str = "en"
    filters: dict[str, Any] = field(default_factory=dict)  # the shopper's hard constraints (Filters)
    paging_filters: dict[str, Any] | None = None  # relaxed filters when the last results were relaxed
    text: str = ""  # topic words for ranking
    fit: str | None = None  # soft preference: ranks, never filters
    sort: str | None = None
    body: dict[str, Any] = field(default_factory=dict)  # sizing BodyInput fields
    fit_preference: str | None = None
    sex: str | None = None  # male | female, from the gender being shopped for
    offset: int = 0
    shown: list[str] = field(default_factory=list)  # skus on the last page, in order
    shown_prices: list[float] = field(default_factory=list)
    shown_colors: list[str] = field(default_factory=list)
    searched: bool = False
    asked: str | None = None  # the question asked last turn: "clarify" | "body"
    turns: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DialogueState:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def current_filters(self) -> Filters:
        return Filters.from_dict(self.filters)


@dataclass
class Card:
    product: ProductRecord
    advice: SizeAdvice | None = None
    in_stock_in_size: bool | None = None


@dataclass
class Turn:
    """What happened this turn; guide.replies renders ``reply`` (a template name) with ``context``."""

    state: DialogueState
    intent: str
    reply: str
    context: dict[str, Any] = field(default_factory=dict)
    cards: list[Card] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    comparison: list[Card] | None = None
    relaxed: list[dict[str, Any]] | None = None


class Dialogue:
    """Runs one turn at a time against one merchant's search."""

    def __init__(self, search: SearchBackend, advise: SizeAdvisor | None = None, page_size: int = PAGE_SIZE):
        self.search = search
        self.advise = advise
        self.page_size = page_size

    # -- entry point ------------------------------------------------------------------------------------

    def turn(
        self,
        state: DialogueState,
        parsed: ParsedMessage,
        profile: dict[str, Any] | None = None,
        profile_fit: str | None = None,
    ) -> Turn:
        state.lang = parsed.lang
        state.turns += 1
        if parsed.intent == "reset":
            state = DialogueState(lang=parsed.lang, turns=state.turns)
        asked_before, state.asked = state.asked, None
        if asked_before == "body" and not parsed.slots.body and len(parsed.slots.numbers) >= 2:
            # The answer to "your height and weight?" may come as bare numbers: "170 65".
            body = _body_from_numbers(parsed.slots.numbers, parsed.lang)
            if body:
                parsed.slots.body, parsed.intent = body, "size"
        self._remember_person(state, parsed, profile, profile_fit)
        handler = {
            "reset": self._reset,
            "help": self._help,
            "chitchat": self._chitchat,
            "more": self._more,
            "compare": self._compare,
            "product_question": self._product_question,
            "size": self._size,
        }.get(parsed.intent)
        if handler is not None:
            return handler(state, parsed, asked_before)
        return self._search_turn(state, parsed, asked_before)

    # -- state updates ----------------------------------------------------------------------------------

    def _remember_person(
        self,
        state: DialogueState,
        parsed: ParsedMessage,
        profile: dict[str, Any] | None,
        profile_fit: str | None,
    ) -> None:
        slots = parsed.slots
        if slots.body:
            _update_body(state.body, slots.body)
        if profile:
            # The widget's "my size" form is the shopper's own statement: it wins over chat guesses.
            _update_body(state.body, {k: v for k, v in profile.items() if v is not None})
        if slots.fit_preference:
            state.fit_preference = slots.fit_preference
        if profile_fit:
            state.fit_preference = profile_fit
        if slots.gender in ("men", "women"):
            state.sex = "male" if slots.gender == "men" else "female"

    def _apply_slots(self, state: DialogueState, parsed: ParsedMessage) -> str | None:
        """Merge this message's constraints into the state; returns a note for the reply if any."""
        slots = parsed.slots
        filters = state.current_filters()
        new_topic = bool(slots.categories) and set(slots.categories) != set(filters.categories)
        if new_topic:
            kept = {name: getattr(filters, name) for name in _PERSON_FIELDS}
            filters = Filters(categories=list(slots.categories), **kept)
            state.text, state.fit, state.sort = "", None, None
        if parsed.text_for_search:
            state.text = (
                parsed.text_for_search
                if new_topic or not state.text
                else _merge_words(state.text, parsed.text_for_search)
            )
        if slots.colors:
            filters.colors = list(slots.colors)
            filters.exclude_colors = [c for c in filters.exclude_colors if c not in slots.colors]
        for color in slots.exclude_colors:
            if color not in filters.exclude_colors:
                filters.exclude_colors.append(color)
        filters.colors = [c for c in filters.colors if c not in filters.exclude_colors]
        if slots.materials:
            filters.materials = list(slots.materials)
            filters.exclude_materials = [m for m in filters.exclude_materials if m not in slots.materials]
        filters.exclude_materials = list(
            dict.fromkeys([*filters.exclude_materials, *slots.exclude_materials])
        )
        filters.materials = [m for m in filters.materials if m not in filters.exclude_materials]
        if slots.brands:
            filters.brands = list(slots.brands)
            filters.exclude_brands = [b for b in filters.exclude_brands if b not in slots.brands]
        filters.exclude_brands = list(dict.fromkeys([*filters.exclude_brands, *slots.exclude_brands]))
        filters.brands = [b for b in filters.brands if b not in filters.exclude_brands]
        if slots.gender:
            filters.gender = slots.gender
        if slots.price_min is not None or slots.price_max is not None:
            filters.price_min, filters.price_max = _merge_price(
                filters.price_min, filters.price_max, slots.price_min, slots.price_max
            )
            state.sort = None
        if slots.size_label:
            filters.size_in_stock = slots.size_label
        elif slots.plus_size:
            filters.size_in_stock = PLUS_SIZE_LABEL
        if slots.fit:
            state.fit = slots.fit
        if slots.occasions:
            filters.occasions = list(slots.occasions)
        if slots.seasons:
            filters.seasons = list(slots.seasons)
        note = None
        if "cheaper" in slots.modifiers:
            note = self._step_price(state, filters, cheaper=True)
        elif "more_expensive" in slots.modifiers:
            note = self._step_price(state, filters, cheaper=False)
        if "other_colors" in slots.modifiers:
            self._other_colors(state, filters)
        state.filters = filters.as_dict()
        state.offset = 0
        state.paging_filters = None
        return note

    def _other_colors(self, state: DialogueState, filters: Filters) -> None:
        if filters.colors:
            filters.exclude_colors = list(dict.fromkeys([*filters.exclude_colors, *filters.colors]))
            filters.colors = []
            return
        # No colour was asked for: leave out the colours just shown, unless that leaves nothing; then at
        # least leave out the products just shown.
        shown_colors = [c for c in dict.fromkeys(state.shown_colors) if c]
        trial = Filters.from_dict(filters.as_dict())
        trial.exclude_colors = list(dict.fromkeys([*trial.exclude_colors, *shown_colors]))
        if shown_colors and self.search.search(self._text(state), trial, 0, 1).total:
            filters.exclude_colors = trial.exclude_colors
        else:
            # Bounded so a long session cannot grow its stored state without limit.
            filters.exclude_skus = list(dict.fromkeys([*filters.exclude_skus, *state.shown]))[
                -MAX_EXCLUDED_SKUS:
            ]

    def _step_price(self, state: DialogueState, filters: Filters, cheaper: bool) -> str | None:
        if not state.shown_prices:
            # Nothing shown yet to compare with: order by price instead.
            state.sort = "price_asc" if cheaper else "price_desc"
            return None
        if cheaper:
            limit = round(min(state.shown_prices) - CHEAPER_EPSILON, 2)
            trial = Filters.from_dict({**filters.as_dict(), "price_max": limit, "price_min": None})
        else:
            limit = round(max(state.shown_prices) + CHEAPER_EPSILON, 2)
            trial = Filters.from_dict({**filters.as_dict(), "price_min": limit, "price_max": None})
        if self.search.search(self._text(state), trial, 0, 1).total:
            filters.price_min, filters.price_max = trial.price_min, trial.price_max
            state.sort = None
            return None
        state.sort = "price_asc" if cheaper else "price_desc"
        return "cheapest" if cheaper else "priciest"

    # -- searching --------------------------------------------------------------------------------------

    def _text(self, state: DialogueState) -> str:
        words = [state.text] if state.text else []
        if state.fit:
            words.append(FIT_TEXT[state.fit])
        return " ".join(words)

    def _cards(self, state: DialogueState, items: list[ProductRecord]) -> list[Card]:
        advice: dict[str, SizeAdvice] = {}
        if self.advise is not None and state.body and items:
            advice = self.advise(items, state.body, state.fit_preference, state.sex, state.lang)
        wanted_size = state.current_filters().size_in_stock
        cards = []
        for product in items:
            product_advice = advice.get(product.sku)
            size = product_advice.size if product_advice else wanted_size
            in_stock = (
                product_advice.in_stock
                if product_advice and product_advice.in_stock is not None
                else (in_stock_in_size(product, size) if size else None)
            )
            cards.append(Card(product, product_advice, in_stock))
        return cards

    def _show(self, state: DialogueState, items: list[ProductRecord]) -> list[Card]:
        state.shown = [p.sku for p in items]
        state.shown_prices = [p.price for p in items]
        state.shown_colors = [p.color or "" for p in items]
        state.searched = True
        return self._cards(state, items)

    def _run_search(self, state: DialogueState, intent: str, note: str | None = None) -> Turn:
        filters = Filters.from_dict(state.paging_filters) if state.paging_filters else state.current_filters()
        text = self._text(state)
        page = self.search.search(text, filters, state.offset, self.page_size, sort=state.sort)
        context: dict[str, Any] = {
            "filters": filters.as_dict(),
            "total": page.total,
            "offset": state.offset,
            "note": note,
        }
        if page.items:
            cards = self._show(state, page.items)
            return Turn(state, intent, "results", context, cards, self._result_chips(state, cards))
        if state.offset > 0:
            # Stay on the last page that had products, so the shown list and the offset agree.
            state.offset = max(0, state.offset - self.page_size)
            return Turn(state, intent, "no_more", context, [], self._result_chips(state, []))
        relaxed = self.search.nearest_relaxed(text, filters, self.page_size, sort=state.sort)
        if relaxed is not None and relaxed.page.items:
            state.paging_filters = relaxed.filters.as_dict()
            relaxations = [
                {"field": r.field, "original": r.original, "replacement": r.replacement}
                for r in relaxed.relaxations
            ]
            context.update(relaxations=relaxations, total=relaxed.page.total)
            cards = self._show(state, relaxed.page.items)
            return Turn(
                state,
                intent,
                "relaxed",
                context,
                cards,
                self._result_chips(state, cards),
                relaxed=relaxations,
            )
        state.shown, state.shown_prices, state.shown_colors = [], [], []
        return Turn(state, intent, "no_results", context, [], self._loosen_chips(state))

    def _search_turn(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        nothing_yet = not state.searched and state.current_filters().is_empty() and not state.text
        if parsed.vague and nothing_yet and asked_before != "clarify":
            self._apply_slots(state, parsed)  # keep whom it is for ("给老婆买衣服") for the answer
            state.asked = "clarify"
            return Turn(
                state,
                parsed.intent,
                "clarify",
                {},
                [],
                _category_chips(state.lang, state.current_filters().gender),
            )
        note = self._apply_slots(state, parsed)
        # "for men" after a search narrows it: a refinement, though alone it would need a question.
        intent = "refine" if parsed.vague and not nothing_yet else parsed.intent
        return self._run_search(state, intent, note)

    # -- other intents ----------------------------------------------------------------------------------

    def _reset(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        return Turn(state, "reset", "reset", {}, [], _category_chips(state.lang, None))

    def _help(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        chips = (
            ["连衣裙 500以内", "我165cm 50kg", "不要红色"]
            if state.lang == "zh"
            else ["Dresses under 500", "I'm 170cm 65kg", "Not red"]
        )
        return Turn(state, "help", "help", {}, [], chips)

    def _chitchat(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        return Turn(
            state,
            "chitchat",
            "greeting",
            {"searched": state.searched},
            [],
            _category_chips(state.lang, state.current_filters().gender),
        )

    def _more(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        if not state.searched:
            state.asked = "clarify"
            return Turn(state, "more", "clarify", {}, [], _category_chips(state.lang, None))
        state.offset += self.page_size
        return self._run_search(state, "more")

    def _shown_products(self, state: DialogueState) -> list[ProductRecord]:
        products = [self.search.get(sku) for sku in state.shown]
        return [p for p in products if p is not None]

    def _pick(self, state: DialogueState, refs: list[int]) -> list[ProductRecord]:
        shown = self._shown_products(state)
        picked = []
        for ref in refs:
            index = len(shown) - 1 if ref == -1 else ref
            if 0 <= index < len(shown) and shown[index] not in picked:
                picked.append(shown[index])
        return picked

    def _compare(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        refs = parsed.slots.refs or [0, 1]
        picked = self._pick(state, refs)[:MAX_COMPARE]
        if len(picked) < 2:
            return Turn(
                state,
                "compare",
                "need_products",
                {},
                [],
                _category_chips(state.lang, state.current_filters().gender),
            )
        cards = self._cards(state, picked)
        return Turn(
            state,
            "compare",
            "compare",
            {},
            cards,
            self._result_chips(state, cards),
            comparison=cards,
        )

    def _product_question(
        self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None
    ) -> Turn:
        picked = self._pick(state, parsed.slots.refs[:1] or [0])
        if not picked:
            return Turn(
                state,
                "product_question",
                "need_products",
                {},
                [],
                _category_chips(state.lang, state.current_filters().gender),
            )
        product = picked[0]
        slots = parsed.slots
        attribute = slots.attribute
        asked_value: str | None = None
        if slots.materials:
            attribute, asked_value = "material", slots.materials[0]
        elif slots.colors:
            attribute, asked_value = "color", slots.colors[0]
        elif slots.size_label:
            attribute, asked_value = "sizes", slots.size_label
        position = state.shown.index(product.sku) + 1
        card = self._cards(state, [product])[0]
        context = {
            "attribute": attribute or "summary",
            "asked": asked_value,
            "position": position,
            "in_stock_sizes": [s for s in product.sizes if product.in_stock(s)],
        }
        return Turn(state, "product_question", "answer", context, [card], self._result_chips(state, [card]))

    def _size(self, state: DialogueState, parsed: ParsedMessage, asked_before: str | None) -> Turn:
        shown = self._pick(state, parsed.slots.refs) if parsed.slots.refs else self._shown_products(state)
        cards = self._cards(state, shown) if shown else []
        if not _enough_body(state.body):
            state.asked = "body"
            chips = ["165cm 55kg", "一米七 120斤"] if state.lang == "zh" else ["170cm 65kg", "5'6\" 130 lbs"]
            return Turn(state, "size", "ask_body", {}, cards, chips)
        if not shown:
            return Turn(
                state,
                "size",
                "body_noted",
                {},
                [],
                _category_chips(state.lang, state.current_filters().gender),
            )
        step = next((m for m in parsed.slots.modifiers if m in SIZE_STEPS), None)
        if step is not None and any(card.advice and card.advice.size for card in cards):
            up = step == "size_up"
            steps = {card.product.sku: _size_step(card, up) for card in cards}
            chips = self._result_chips(state, cards)
            wanted_fit = "loose" if up else "slim"
            if state.fit_preference != wanted_fit:
                zh = state.lang == "zh"
                chip = {
                    "loose": ("喜欢宽松一点", "I like it loose"),
                    "slim": ("喜欢修身一点", "I like a slim fit"),
                }
                chips.insert(0, chip[wanted_fit][0 if zh else 1])
            context = {"direction": "up" if up else "down", "steps": steps}
            return Turn(state, "size", "size_step", context, cards, chips)
        return Turn(state, "size", "sizes", {}, cards, self._result_chips(state, cards))

    # -- chips ------------------------------------------------------------------------------------------

    def _result_chips(self, state: DialogueState, cards: list[Card]) -> list[str]:
        zh = state.lang == "zh"
        chips = [
            "便宜点" if zh else "Cheaper",
            "换个颜色" if zh else "Other colours",
            "再看看" if zh else "Show more",
        ]
        if len(cards) >= 2:
            chips.append("比较前两个" if zh else "Compare the first two")
        if not _enough_body(state.body):
            chips.append("我穿什么码" if zh else "What size am I?")
        chips.append("重新开始" if zh else "Start over")
        return chips

    def _loosen_chips(self, state: DialogueState) -> list[str]:
        zh = state.lang == "zh"
        return [
            "重新开始" if zh else "Start over",
            "换个颜色" if zh else "Other colours",
            "贵一点也行" if zh else "More expensive",
        ]


def _size_step(card: Card, up: bool) -> dict[str, Any] | None:
    """The product's next size up (down) from the recommended one: its label (None at the end of the
    range), stock, and whether the recommender named it as a close alternative. None when the
    recommended size is not among the product's own labels."""
    advice, product = card.advice, card.product
    if advice is None or not advice.size:
        return None
    labels = [normalize_size_label(label) for label in product.sizes]
    recommended = normalize_size_label(advice.size)
    if recommended not in labels:
        return None
    index = labels.index(recommended) + (1 if up else -1)
    if not 0 <= index < len(labels):
        return {"size": None, "in_stock": None, "close": False}
    size = product.sizes[index]
    close = labels[index] in {normalize_size_label(a) for a in advice.alternatives}
    return {"size": size, "in_stock": in_stock_in_size(product, size), "close": close}


def _merge_words(old: str, new: str) -> str:
    return " ".join(dict.fromkeys([*old.split(), *new.split()]))


def _merge_price(
    old_min: float | None, old_max: float | None, new_min: float | None, new_max: float | None
) -> tuple[float | None, float | None]:
    if new_min is not None and new_max is not None:
        return new_min, new_max
    if new_max is not None:
        return (old_min if old_min is not None and old_min < new_max else None), new_max
    return new_min, (old_max if old_max is not None and new_min is not None and old_max > new_min else None)


def in_stock_in_size(product: ProductRecord, size: str) -> bool:
    """Stock check that tolerates spelling differences between chart and variant labels (XXL vs 2XL)."""
    wanted = normalize_size_label(size)
    return any(product.in_stock(label) for label in product.sizes if normalize_size_label(label) == wanted)


_SAME_AS = {
    "height": "height_cm",
    "height_cm": "height",
    "weight": "weight_kg",
    "weight_kg": "weight",
    "chest_cm": "bust_cm",
    "bust_cm": "chest_cm",
}


def _update_body(body: dict[str, Any], new: dict[str, Any]) -> None:
    """Newer values win, including over the other spelling of the same measurement."""
    for key, value in new.items():
        body.pop(_SAME_AS.get(key, ""), None)
        body[key] = value


def _body_from_numbers(numbers: list[float], lang: str) -> dict[str, float]:
    """Height (cm) and weight from two bare numbers; weight above 80 is 斤 in Chinese, pounds in English
    above 100 (the same reading as the parser's bare weights)."""
    height = next((n for n in numbers if 140 <= n <= 210), None)
    weight = next((n for n in numbers if n != height and 30 <= n <= 300), None)
    if height is None or weight is None:
        return {}
    if lang == "zh" and weight > 80:
        weight /= 2
    elif lang == "en" and weight > 100:
        weight *= 0.45359237
    return {"height_cm": height, "weight_kg": round(weight, 1)}


def _enough_body(body: dict[str, Any]) -> bool:
    """The size recommender needs height and weight; girths only refine them."""
    return bool({"height_cm", "height"} & set(body)) and bool({"weight_kg", "weight"} & set(body))


_CHIP_CATEGORIES = {
    None: ("dress", "jeans", "tshirt", "jacket"),
    "women": ("dress", "top", "jeans", "skirt"),
    "men": ("tshirt", "shirt", "jeans", "jacket"),
}


def _category_chips(lang: str, gender: str | None) -> list[str]:
    names = _CHIP_CATEGORIES.get(gender, _CHIP_CATEGORIES[None])
    return [label("category", name, lang) for name in names]
