"""Multi-turn dialogue against the in-memory fake search: the session state machine, turn by turn."""

from __future__ import annotations

from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from guide.dialogue import Dialogue, DialogueState, Turn
from guide.filters import Filters
from guide.nlu import parse
from tests.guide.fakes import FakeSearch, demo_products, fake_advisor


class Say(Protocol):
    def __call__(self, message: str, profile: dict[str, object] | None = None) -> Turn: ...


@pytest.fixture
def search() -> FakeSearch:
    return FakeSearch(demo_products())


@pytest.fixture
def say(search: FakeSearch) -> Say:
    dialogue = Dialogue(search, fake_advisor, page_size=3)
    state = DialogueState()

    def send(message: str, profile: dict[str, object] | None = None) -> Turn:
        nonlocal state
        # Through JSON like the session store, so nothing relies on object identity between turns.
        # The session language is the hint, as in GuideService.
        turn = dialogue.turn(DialogueState.from_dict(state.as_dict()), parse(message, state.lang), profile)
        state = turn.state
        return turn

    return send


def skus(turn: Turn) -> list[str]:
    return [card.product.sku for card in turn.cards]


def filters(turn: Turn) -> Filters:
    return turn.state.current_filters()


def test_constraints_narrow(say: Say) -> None:
    first = say("连衣裙")
    assert first.reply == "results" and filters(first).categories == ["dress"]
    second = say("不要红色")
    assert filters(second).exclude_colors == ["red"]
    assert all(card.product.color != "red" for card in second.cards)
    third = say("500以内")
    assert filters(third).price_max == 500 and filters(third).exclude_colors == ["red"]
    assert all(card.product.price <= 500 and card.product.color != "red" for card in third.cards)


def test_new_category_replaces_item_constraints_but_keeps_the_person(say: Say) -> None:
    say("red dresses under 500, no polyester, size M")
    turn = say("jeans for my husband")
    current = filters(turn)
    assert current.categories == ["jeans"]
    assert current.colors == [] and current.price_max is None
    assert current.exclude_materials == ["polyester"] and current.size_in_stock == "M"
    assert current.gender == "men"


def test_a_new_colour_replaces_the_old_one_and_lifts_its_exclusion(say: Say) -> None:
    say("dresses, not red")
    turn = say("red ones")
    assert filters(turn).colors == ["red"] and filters(turn).exclude_colors == []


def test_cheaper_goes_below_the_cheapest_price_shown(say: Say) -> None:
    first = say("dresses")
    cheapest = min(card.product.price for card in first.cards)
    turn = say("cheaper")
    assert turn.cards and all(card.product.price < cheapest for card in turn.cards)
    price_max = filters(turn).price_max
    assert price_max is not None and price_max < cheapest


def test_cheaper_when_nothing_is_cheaper_says_so_and_sorts_by_price(say: Say) -> None:
    say("white cotton dress")  # D5 at 199 is the cheapest dress
    say("white")
    turn = say("便宜点")
    assert turn.context["note"] == "cheapest"
    prices = [card.product.price for card in turn.cards]
    assert prices == sorted(prices)


def test_more_expensive(say: Say) -> None:
    first = say("dresses under 300")
    top = max(card.product.price for card in first.cards)
    turn = say("more expensive")
    assert all(card.product.price > top for card in turn.cards)
    assert filters(turn).price_max is None


def test_other_colours_drops_and_excludes_the_asked_colour(say: Say) -> None:
    say("red dresses")
    turn = say("other colours")
    assert filters(turn).colors == [] and "red" in filters(turn).exclude_colors
    assert turn.cards and all(card.product.color != "red" for card in turn.cards)


def test_other_colours_without_a_colour_leaves_out_the_colours_shown(say: Say) -> None:
    first = say("dresses")
    shown = {card.product.color for card in first.cards}
    turn = say("换个颜色")
    assert turn.cards and not shown & {card.product.color for card in turn.cards}


def test_size_keeps_only_products_with_that_size_in_stock(say: Say) -> None:
    say("dresses")
    turn = say("要L码")
    assert filters(turn).size_in_stock == "L"
    assert "D3" not in [card.product.sku for card in turn.cards]
    assert all(card.product.in_stock("L") for card in turn.cards)
    assert all(card.in_stock_in_size for card in turn.cards)


def test_plus_size_means_xl_in_stock(say: Say) -> None:
    assert filters(say("大码连衣裙")).size_in_stock == "XL"


def test_show_more_pages_without_repeats(say: Say) -> None:
    first = say("dresses")
    second = say("show more")
    third = say("再看看")
    seen = skus(first) + skus(second) + skus(third)
    assert len(seen) == 8 and len(set(seen)) == 8  # all eight dresses, three pages of three
    last = say("more")
    assert last.reply == "no_more" and last.state.offset == 6
    assert say("compare the first two").comparison is not None  # the last page is still the one shown


def test_reset_clears(say: Say) -> None:
    say("red dresses under 500")
    say("165cm 50kg")
    turn = say("重新开始")
    assert turn.reply == "reset"
    assert turn.state.filters == {} and turn.state.body == {} and turn.state.shown == []


def test_body_profile_applies_to_every_later_card(say: Say) -> None:
    say("I'm 165cm and 50kg")
    turn = say("dresses")
    assert turn.cards and all(card.advice and card.advice.size == "M" for card in turn.cards)
    later = say("jeans")
    assert all(card.advice and card.advice.size == "M" for card in later.cards)


def test_profile_in_the_request_overrides_the_chat(say: Say) -> None:
    say("I'm 165cm 50kg")
    turn = say("dresses", {"height_cm": 180, "weight_kg": 75})
    assert all(card.advice and card.advice.size == "L" for card in turn.cards)


def test_nothing_matches_relaxes_and_names_the_constraint(say: Say) -> None:
    turn = say("500以内的羽绒服")
    assert turn.reply == "relaxed"
    assert turn.relaxed == [{"field": "price_max", "original": 500.0, "replacement": 700}]
    assert turn.cards and all(card.product.category == "down_jacket" for card in turn.cards)
    assert filters(turn).price_max == 500  # the shopper's own constraint stays


def test_exclusions_are_never_relaxed(say: Say) -> None:
    turn = say("down jackets, not black, not navy, not white")
    assert turn.reply in ("relaxed", "no_results")
    assert all(card.product.color not in ("black", "navy", "white") for card in turn.cards)


def test_clarifying_question_once(say: Say) -> None:
    first = say("I want clothes")
    assert first.reply == "clarify" and first.suggestions
    second = say("推荐一下")
    assert second.reply != "clarify"  # never twice in a row
    assert second.cards


def test_whom_it_is_for_alone_asks_what_and_is_remembered(say: Say) -> None:
    ask = say("给老婆买衣服")
    assert ask.reply == "clarify" and "连衣裙" in ask.suggestions
    answer = say("连衣裙")
    assert filters(answer).gender == "women" and filters(answer).categories == ["dress"]


def test_compare_side_by_side(say: Say) -> None:
    say("165cm 50kg")
    shown = skus(say("dresses"))
    turn = say("compare the first two")
    assert turn.reply == "compare"
    assert turn.comparison is not None and [c.product.sku for c in turn.comparison] == shown[:2]
    assert all(card.advice and card.advice.size for card in turn.comparison)
    assert skus(say("1和3哪个好")) == [shown[0], shown[2]]


def test_compare_without_results_asks_to_search_first(say: Say) -> None:
    assert say("compare the first two").reply == "need_products"


def test_size_question_asks_for_height_and_weight_once_then_answers(say: Say) -> None:
    say("dresses")
    ask = say("what size should I get?")
    assert ask.reply == "ask_body" and ask.state.asked == "body"
    answer = say("165cm 110斤")
    assert answer.reply == "sizes"
    assert answer.cards and all(card.advice and card.advice.size == "M" for card in answer.cards)


@pytest.mark.parametrize("question", ["what size should I get in the second one?", "第二件我穿什么码"])
def test_size_question_about_one_product_answers_for_that_product(say: Say, question: str) -> None:
    shown = say("dresses 165cm 110斤").cards
    answer = say(question)
    assert answer.reply == "sizes"
    assert [card.product.sku for card in answer.cards] == [shown[1].product.sku]


def test_bare_numbers_answer_the_height_and_weight_question(say: Say) -> None:
    say("连衣裙")
    assert say("我穿什么码").reply == "ask_body"
    answer = say("165 100")
    assert answer.reply == "sizes" and answer.state.body == {"height_cm": 165.0, "weight_kg": 50.0}
    assert all(card.advice and card.advice.size == "M" for card in answer.cards)


@pytest.mark.parametrize("message", ["有没有大一点的码", "any bigger size?", "大一码的呢", "size up"])
def test_a_bigger_size_answers_for_the_shown_products_without_searching_again(
    say: Say, search: FakeSearch, message: str
) -> None:
    shown = say("dresses 165cm 50kg")
    calls = len(search.calls)
    turn = say(message)
    assert turn.reply == "size_step" and turn.intent == "size" and len(search.calls) == calls
    assert skus(turn) == skus(shown) and turn.state.shown == shown.state.shown
    assert turn.context["direction"] == "up"
    # M is recommended (fake advisor): L is next; its stock is the product's own.
    for card in turn.cards:
        step = turn.context["steps"][card.product.sku]
        assert step["size"] == "L" and step["in_stock"] == card.product.in_stock("L")


def test_a_smaller_size_of_one_product_and_the_end_of_the_range(say: Say) -> None:
    shown = say("dresses 150cm 45kg")  # S, the smallest size
    turn = say("第二件有小一码的吗")
    assert skus(turn) == [shown.cards[1].product.sku] and turn.context["direction"] == "down"
    assert turn.context["steps"][skus(turn)[0]]["size"] is None


def test_a_bigger_size_without_a_body_asks_for_it(say: Say) -> None:
    say("dresses")
    assert say("any bigger size?").reply == "ask_body"


def test_product_question_answers_from_attributes(say: Say) -> None:
    shown = say("dresses").cards
    turn = say("第一件是什么面料")
    assert turn.reply == "answer" and turn.context["attribute"] == "material"
    assert turn.cards[0].product.sku == shown[0].product.sku
    yes_no = say("is the second one cotton?")
    assert yes_no.context["asked"] == "cotton" and yes_no.cards[0].product.sku == shown[1].product.sku


def test_state_round_trips_through_json(say: Say) -> None:
    turn = say("black slim jeans under 400 for my husband, 175cm 70kg")
    restored = DialogueState.from_dict(turn.state.as_dict())
    assert restored == turn.state


MESSAGES = [
    "dresses",
    "jeans for my husband",
    "红色连衣裙",
    "不要红色",
    "not black",
    "no polyester",
    "500以内",
    "under 300",
    "cheaper",
    "more expensive",
    "other colours",
    "换个颜色",
    "要L码",
    "size M",
    "大码",
    "show more",
    "再看看",
    "compare the first two",
    "1和3哪个好",
    "第一件是什么面料",
    "is the second one cotton?",
    "what size should I get?",
    "165cm 110斤",
    "reset",
    "I want clothes",
    "help",
    "thanks",
    "Levi's jeans",
    "down jackets under 500",
    "300+",
]


@hyp_settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(MESSAGES), min_size=1, max_size=12))
def test_any_conversation_keeps_its_constraints(messages: list[str]) -> None:
    search = FakeSearch(demo_products())
    dialogue = Dialogue(search, fake_advisor, page_size=3)
    state = DialogueState()
    for message in messages:
        turn = dialogue.turn(
            DialogueState.from_dict(state.as_dict()), parse(message, brands=("Levi's", "Lee"))
        )
        state = turn.state
        current = state.current_filters()
        for card in turn.cards:
            product = card.product
            # Exclusions hold on every card, relaxed or not.
            assert product.color not in current.exclude_colors
            assert product.material not in current.exclude_materials
            if turn.reply == "results" and turn.intent not in ("compare", "product_question", "size"):
                assert not current.categories or product.category in current.categories
                assert current.price_max is None or product.price <= current.price_max
                assert current.price_min is None or product.price >= current.price_min
                assert not current.size_in_stock or product.in_stock(current.size_in_stock)
