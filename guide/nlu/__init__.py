"""Shopper language understanding: parse(message) -> intent, slots and the text left for ranking."""

from guide.nlu.parser import INTENTS, MAX_MESSAGE_CHARS, ParsedMessage, Slots, detect_language, parse

__all__ = ["INTENTS", "MAX_MESSAGE_CHARS", "ParsedMessage", "Slots", "detect_language", "parse"]
