"""Coverage-guided fuzz targets (atheris / libFuzzer) for the parsers that read outside input.

    python tests/security/fuzz_targets.py TARGET [libFuzzer flags] [CORPUS_DIR]

TARGET is one of: upload, body, chart_cell, chat. A target fails (libFuzzer exits non-zero and keeps
the input as crash-*) when the parser raises anything but a FitGuideError.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

import atheris

with atheris.instrument_imports():
    from catalog.charts_import import parse_charts, parse_measurement
    from catalog.products_import import parse_products
    from catalog.tabular import UploadLimits, read_table
    from catalog.values import parse_price
    from fitguide.errors import FitGuideError
    from guide.nlu.parser import MAX_MESSAGE_CHARS, parse
    from sizing.size_systems import normalize_size_label, parse_haoxing
    from sizing.units import parse_height, parse_length, parse_weight

LIMITS = UploadLimits(max_bytes=256 * 1024, max_rows=500)


def upload(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    name = provider.PickValueInList(["p.csv", "p.json", "p.xlsx", "p.tsv", None])
    body = provider.ConsumeBytes(provider.remaining_bytes())
    try:
        table = read_table(body, filename=name, limits=LIMITS)
    except FitGuideError:
        return
    for interpret in (parse_products, parse_charts):
        with contextlib.suppress(FitGuideError):
            interpret(table)


def body(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(200)
    for parser in (parse_height, parse_weight, lambda value: parse_length(value, "chest")):
        with contextlib.suppress(FitGuideError):
            parser(text)


def chart_cell(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(200)
    parse_measurement(text, "cm")
    normalize_size_label(text)
    parse_haoxing(text)
    with contextlib.suppress(FitGuideError):
        parse_price(text)


def chat(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    lang = provider.PickValueInList([None, "zh", "en"])
    parse(provider.ConsumeUnicodeNoSurrogates(MAX_MESSAGE_CHARS), lang, ("Acme", "ONLY"))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "upload": upload,
    "body": body,
    "chart_cell": chart_cell,
    "chat": chat,
}

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()
