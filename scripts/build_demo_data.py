"""Rebuild the demo catalog in data/demo/ from the Myntra metadata in ../shared/datasets.

    python scripts/build_demo_data.py [--datasets DIR] [--out DIR]

Writes products.csv (canonical upload columns), size_charts.csv (canonical chart layout, many charts
in one file) and SOURCE.md (what is real, what is derived, the grading per brand). Deterministic: the
same inputs give byte-identical outputs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from catalog import taxonomy  # noqa: E402
from sizing.size_systems import normalize_size_label  # noqa: E402

SEED = 20240611
INR_TO_CNY = 0.085  # fixed demo rate, close to the 2024 average; prices are then rounded to shop-like figures
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
DEFAULT_OUT = ROOT / "data" / "demo"
MYNTRA_URL = "https://www.myntra.com/"

PRODUCT_COLUMNS = [
    "sku", "title", "title_zh", "description", "brand", "category", "gender", "color", "material", "season",
    "occasion", "price", "currency", "sizes", "stock", "size_chart", "image_url", "url", "attr_fit",
]  # fmt: skip
CHART_COLUMNS = [
    "chart_id", "name", "brand", "category", "gender", "kind", "fit", "stretch", "size", "chest_cm",
    "waist_cm", "hip_cm", "shoulder_cm", "length_cm", "sleeve_cm", "inseam_cm", "height_cm", "weight_kg",
]  # fmt: skip
DIMENSIONS = ("chest", "waist", "hip", "shoulder", "length", "sleeve", "inseam", "height", "weight")

ADULT_AGE_GROUPS = {"Adults-Men", "Adults-Women", "Adults-Unisex"}
ARTICLE_CATEGORY = {
    "Tshirts": "tshirt",
    "Shirts": "shirt",
    "Tops": "top",
    "Tunics": "top",
    "Kurtas": "kurta",
    "Kurtis": "kurta",
    "Sweatshirts": "sweatshirt",
    "Sweaters": "sweater",
    "Jackets": "jacket",
    "Rain Jacket": "jacket",
    "Dresses": "dress",
    "Skirts": "skirt",
    "Jeans": "jeans",
    "Trousers": "trousers",
    "Track Pants": "track_pants",
    "Shorts": "shorts",
    "Leggings": "leggings",
    "Jeggings": "leggings",
    "Tights": "leggings",
    "Capris": "capris",
    "Jumpsuit": "jumpsuit",
    "Briefs": "briefs",
    "Trunk": "briefs",
    "Boxers": "briefs",
}
# Items per category in the demo; small categories take everything usable.
CATEGORY_QUOTA = {
    "tshirt": 520,
    "shirt": 400,
    "top": 300,
    "kurta": 260,
    "sweatshirt": 200,
    "sweater": 200,
    "jacket": 200,
    "dress": 260,
    "skirt": 80,
    "jeans": 300,
    "trousers": 260,
    "track_pants": 200,
    "shorts": 200,
    "leggings": 160,
    "capris": 110,
    "jumpsuit": 20,
    "briefs": 150,
}
BOTTOMS = {"jeans", "trousers", "track_pants", "shorts", "leggings", "capris", "skirt"}
LETTERS = ("XS", "S", "M", "L", "XL", "2XL", "3XL")
WAIST_INCHES = tuple(range(26, 44, 2))  # even waist sizes; odd ones are rare in the source and dropped
COLLAR_CM = tuple(range(36, 47))  # men's shirts labelled by collar girth in cm (EU shirt sizes)
# Chinese shops print letter sizes with their GB/T 1335 号型; brands in the "gbt" profile use these labels.
HAOXING_MEN = ("160/80A", "165/84A", "170/88A", "175/92A", "180/96A", "185/100A", "190/104A")
HAOXING_WOMEN = ("150/76A", "155/80A", "160/84A", "165/88A", "170/92A", "175/96A", "180/100A")
HAOXING = {
    "men": dict(zip(LETTERS, HAOXING_MEN, strict=True)),
    "women": dict(zip(LETTERS, HAOXING_WOMEN, strict=True)),
}
HAOXING_CATEGORIES = {"tshirt", "shirt", "top", "sweatshirt", "sweater", "jacket", "dress"}

FIT_WORDS = {
    "Regular Fit": "regular",
    "Slim Fit": "slim",
    "Skinny Fit": "slim",
    "Super Skinny Fit": "slim",
    "Tight Fit": "slim",
    "Tapered Fit": "slim",
    "Tailored Fit": "slim",
    "Loose Fit": "loose",
    "Loose": "loose",
    "Relaxed Fit": "loose",
}
STRETCH = {
    "tshirt": 0.2, "shirt": 0.0, "top": 0.15, "kurta": 0.05, "sweatshirt": 0.2, "sweater": 0.3,
    "jacket": 0.0, "dress": 0.1, "skirt": 0.1, "jeans": 0.15, "trousers": 0.05,
    "track_pants": 0.4, "shorts": 0.1, "leggings": 0.8, "capris": 0.3, "jumpsuit": 0.1, "briefs": 0.6,
}  # fmt: skip

# Chinese title words for the real Myntra attributes.
ZH_FIT = {"slim": "修身", "regular": "常规版型", "loose": "宽松"}
ZH_FABRIC = {
    "Cotton": "棉质", "Pure Cotton": "纯棉", "Cotton Blend": "棉混纺", "Blended": "混纺", "Polyester": "涤纶",
    "Synthetic": "合成面料", "Nylon": "尼龙", "Viscose Rayon": "粘胶", "Dupion Silk": "真丝", "Silk": "真丝",
    "Pure Silk": "真丝", "Linen": "亚麻", "Modal": "莫代尔", "Elastane": "弹力", "Wool": "羊毛",
}  # fmt: skip
ZH_PATTERN = {"Printed": "印花", "Solid": "纯色", "Striped": "条纹", "Checked": "格子", "Self Design": "暗纹",
              "Lace": "蕾丝", "Embellished": "钉珠", "Colourblocked": "撞色", "Washed": "水洗"}  # fmt: skip
ZH_SLEEVE = {"Short Sleeves": "短袖", "Long Sleeves": "长袖", "Sleeveless": "无袖", "No Sleeves": "无袖",
             "Three-Quarter Sleeves": "七分袖"}  # fmt: skip
ZH_NECK = {"Round Neck": "圆领", "Polo Collar": "POLO领", "V-Neck": "V领", "Mandarin Collar": "立领",
           "Boat Neck": "一字领", "Square Neck": "方领", "Shirt Collar": "翻领", "Cowl Neck": "堆堆领",
           "High Neck": "高领", "Halter Neck": "挂脖", "Hood": "连帽", "Scoop Neck": "U领"}  # fmt: skip
ZH_GENDER = {"men": ("男款", "男士", "男装"), "women": ("女款", "女士", "女装"), "unisex": ("男女同款",)}
ZH_SEASON = {"summer": "夏季", "fall": "秋季", "winter": "冬季", "spring": "春季"}

GENDER_EN = {"men": "Men's", "women": "Women's", "unisex": "Unisex"}


@dataclass
class Item:
    source_id: str
    name: str
    brand: str
    category: str
    gender: str
    color: str
    material: str
    season: str
    occasion: str
    fit: str
    year: str
    fabric_raw: str
    pattern: str
    sleeve: str
    neck: str
    price_inr: float
    system: str  # letter | waist | collar (| haoxing after relabelling)
    sizes: list[str]
    image_url: str = ""
    landing_url: str = ""
    stock: dict[str, int] = field(default_factory=dict)
    chart_id: str = ""


@dataclass(frozen=True)
class BrandProfile:
    """How a brand grades its sizes: body offset in cm, chart kind, size-label convention."""

    group: str  # chart id prefix
    display: str  # chart name prefix
    brand: str  # chart brand column ('' for pooled small brands)
    offset_cm: int
    kind: str  # body | garment
    base: str  # intl | gbt


# ------------------------------------------------------------------------------------------- reading


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def read_rows(datasets: Path) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    folder = datasets / "myntra_fashion_styles"
    with (folder / "myntra_apparel_flat.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    links: dict[str, dict[str, str]] = {}
    with gzip.open(folder / "myntra_products.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("masterCategory") != "Apparel":
                continue
            links[str(record["id"])] = {
                "image": record.get("defaultImageUrl") or "",
                "landing": record.get("landingPageUrl") or "",
            }
    return rows, links


def choose_sizes(category: str, gender: str, raw_sizes: str) -> tuple[str, list[str]] | None:
    """The size system and labels kept for one product, or None when no chartable system fits."""
    labels = [normalize_size_label(s) for s in raw_sizes.split("|") if s.strip()]
    letters = [s for s in LETTERS if s in labels]
    numbers = {int(s) for s in labels if s.isdigit()}
    if category in BOTTOMS:
        numeric = [str(n) for n in WAIST_INCHES if n in numbers]
        system = "waist"
    elif category == "shirt" and gender == "men":
        numeric = [str(n) for n in COLLAR_CM if n in numbers]
        system = "collar"
    else:
        numeric, system = [], ""
    if len(letters) >= 2 and len(letters) >= len(numeric):
        return "letter", letters
    if len(numeric) >= 2:
        return system, numeric
    return None


def shop_price(price_inr: float) -> int:
    """INR -> CNY at the fixed rate, rounded the way shops price: 49, 89, 129, 259, 1299."""
    cny = price_inr * INR_TO_CNY
    step = 100 if cny >= 1000 else 10
    return max(9, round(cny / step) * step - 1)


def to_item(row: dict[str, str], links: dict[str, dict[str, str]]) -> Item | None:
    if row["ageGroup"] not in ADULT_AGE_GROUPS:
        return None
    category = ARTICLE_CATEGORY.get(row["articleType"])
    gender = taxonomy.canonical("gender", row["gender"])
    color = taxonomy.canonical("color", row["baseColour"])
    link = links.get(row["id"])
    if not category or not gender or not color or not link or not link["landing"]:
        return None
    try:
        price = float(row["discountedPrice"] or 0) or float(row["price"] or 0)
    except ValueError:
        return None
    if price <= 0:
        return None
    chosen = choose_sizes(category, gender, row["sizes"])
    if chosen is None:
        return None
    system, sizes = chosen
    return Item(
        source_id=row["id"],
        name=" ".join(row["productDisplayName"].split()),
        brand=" ".join(row["brandName"].split()),
        category=category,
        gender=gender,
        color=color,
        material=taxonomy.canonical("material", row["fabric"]) or "",
        season=taxonomy.canonical("season", row["season"]) or "",
        occasion=taxonomy.canonical("occasion", row["usage"]) or "",
        fit=FIT_WORDS.get(row["fit"], ""),
        year=row["year"],
        fabric_raw=row["fabric"],
        pattern=row["pattern"],
        sleeve=row["sleeveLength"],
        neck=row["neck"],
        price_inr=price,
        system=system,
        sizes=sizes,
        image_url=link["image"],
        landing_url=MYNTRA_URL + link["landing"],
    )


def sample(items: list[Item]) -> list[Item]:
    """Per category quota, split evenly across genders where the source allows, seeded."""
    rng = random.Random(SEED)
    by_category: dict[str, dict[str, list[Item]]] = defaultdict(lambda: defaultdict(list))
    for item in sorted(items, key=lambda i: int(i.source_id)):
        by_category[item.category][item.gender].append(item)
    chosen: list[Item] = []
    for category, quota in CATEGORY_QUOTA.items():
        pools = by_category.get(category, {})
        genders = sorted(pools, key=lambda g: len(pools[g]))  # smallest pool first hands its spare on
        remaining = quota
        for index, gender in enumerate(genders):
            share = remaining // (len(genders) - index)
            take = min(share, len(pools[gender]))
            chosen.extend(rng.sample(pools[gender], take))
            remaining -= take
    return sorted(chosen, key=lambda i: int(i.source_id))


# ------------------------------------------------------------------------------------------- grading

OFFSETS = (-4, -3, -2, 0, 0, 0, 2, 3, 4)
POOLED_OFFSETS = (-4, -2, 0, 2, 4)
NAMED_BRAND_MIN_ITEMS = 15
SPECIAL_BRAND_MAX_ITEMS = 80
GBT_BRANDS = 3  # named brands that label tops with 号型 and grade on GB/T 1335 bodies
GARMENT_BRANDS = 6  # named brands that publish garment measurements instead of body ranges


def slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)


def brand_profiles(items: list[Item]) -> dict[str, BrandProfile]:
    counts = Counter(item.brand for item in items)
    relabelable = Counter(i.brand for i in items if i.system == "letter" and i.category in HAOXING_CATEGORIES)
    named = sorted((b for b, n in counts.items() if n >= NAMED_BRAND_MIN_ITEMS), key=lambda b: stable_hash(b))
    # Mid-sized brands only for the special conventions, so most of the catalog keeps letter sizes.
    special = [b for b in named if counts[b] <= SPECIAL_BRAND_MAX_ITEMS]
    gbt = set([b for b in special if relabelable[b] >= NAMED_BRAND_MIN_ITEMS][:GBT_BRANDS])
    garment = set([b for b in special if b not in gbt][:GARMENT_BRANDS])
    profiles: dict[str, BrandProfile] = {}
    for brand in named:
        offset = OFFSETS[stable_hash("offset:" + brand) % len(OFFSETS)]
        base = "gbt" if brand in gbt else "intl"
        kind = "garment" if brand in garment else "body"
        profiles[brand] = BrandProfile(slug(brand), brand, brand, offset, kind, base)
    for brand in sorted(b for b in counts if b not in profiles):
        offset = POOLED_OFFSETS[stable_hash("offset:" + brand) % len(POOLED_OFFSETS)]
        tag = f"m{-offset}" if offset < 0 else f"p{offset}"
        if offset < 0:
            display = f"Other brands, run small ({offset} cm)"
        elif offset > 0:
            display = f"Other brands, run large (+{offset} cm)"
        else:
            display = "Other brands, true to size"
        profiles[brand] = BrandProfile(f"pool-{tag}", display, "", offset, "body", "intl")
    return profiles


# Body tables: boundaries for XS..3XL (8 edges, size i spans edge i..i+1), cm and kg.
INTL_BODY = {
    "men": {
        "chest": (84, 89, 94, 100, 106, 112, 118, 124),
        "waist": (70, 75, 80, 86, 92, 98, 104, 110),
        "hip": (86, 91, 96, 102, 108, 114, 120, 126),
    },
    "women": {
        "chest": (78, 82, 87, 92, 98, 104, 110, 116),
        "waist": (60, 64, 69, 74, 80, 86, 92, 98),
        "hip": (86, 90, 95, 100, 106, 112, 118, 124),
    },
}


def gbt_body(gender: str) -> dict[str, tuple[float, ...]]:
    """GB/T 1335.1 (men) / 1335.2 (women) 5·4 A series around 170/88A and 160/84A."""
    if gender == "women":
        chest0, waist0, hip0, height0, hip_step = 76, 60, 82.8, 150, 3.6
        weight = (38, 43, 48, 53, 58, 64, 70, 77)
    else:
        chest0, waist0, hip0, height0, hip_step = 80, 66, 84.0, 160, 3.2
        weight = (50, 56, 62, 69, 76, 84, 92, 100)

    def edges(start: float, step: float) -> tuple[float, ...]:
        return tuple(start - step / 2 + step * i for i in range(8))

    return {
        "chest": edges(chest0, 4),
        "waist": edges(waist0, 4),
        "hip": edges(hip0, hip_step),
        "height": edges(height0, 5),
        "weight": tuple(float(w) for w in weight),
    }


# Typical garment ease over the body (cm) by fit; outerwear adds room for layers underneath.
GIRTH_EASE = {
    "chest": {"slim": 4, "regular": 8, "loose": 14},
    "waist": {"slim": 1, "regular": 3, "loose": 6},
    "hip": {"slim": 2, "regular": 5, "loose": 9},
}
OUTERWEAR_EASE = {"chest": 6, "waist": 6, "hip": 4}
# Garment length / shoulder / sleeve at size M (index 2) and the grade per size step.
TOP_LENGTH_M = {
    ("men", "tshirt"): 70, ("men", "shirt"): 76, ("men", "sweatshirt"): 68, ("men", "sweater"): 67,
    ("men", "jacket"): 70, ("men", "kurta"): 102, ("men", "top"): 70,
    ("women", "tshirt"): 62, ("women", "shirt"): 66, ("women", "top"): 63, ("women", "kurta"): 104,
    ("women", "sweatshirt"): 60, ("women", "sweater"): 60, ("women", "jacket"): 60,
    ("women", "dress"): 92, ("women", "jumpsuit"): 140,
}  # fmt: skip
# Long sleeves only; short T-shirt sleeves are not a fit dimension.
SLEEVE_M = {"shirt": 63, "sweatshirt": 64, "sweater": 63, "jacket": 64}
BOTTOM_LENGTH_M = {"jeans": 102, "trousers": 102, "track_pants": 100, "shorts": 50, "leggings": 94,
                   "capris": 80, "skirt": 56}  # fmt: skip
INSEAM = {"jeans": 78, "trousers": 78, "track_pants": 76, "leggings": 72, "capris": 56}


def fmt_number(value: float) -> str:
    rounded = round(value * 2) / 2
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def fmt_range(low: float, high: float) -> str:
    return f"{fmt_number(low)}-{fmt_number(high)}"


def dims_for(category: str) -> tuple[str, ...]:
    group = taxonomy.garment_group(category)
    if category == "briefs":
        return ("waist", "hip")
    if group == "bottom":
        return ("waist", "hip")
    if group in ("dress", "onepiece"):
        return ("chest", "waist", "hip")
    if category in ("top", "kurta"):
        return ("chest", "waist", "hip")
    return ("chest", "waist")


def body_rows(
    profile: BrandProfile, category: str, gender: str, system: str
) -> list[tuple[str, dict[str, str]]]:
    """Body measurement ranges per size label, shifted by the brand's grading offset."""
    sex = "women" if gender == "women" else "men"
    off = profile.offset_cm
    rows: list[tuple[str, dict[str, str]]] = []
    if system == "waist":
        hip_gap = 25 if sex == "women" else 17
        for inches in WAIST_INCHES:
            mid = inches * 2.54 + off
            rows.append(
                (
                    str(inches),
                    {
                        "waist": fmt_range(mid - 2.54, mid + 2.54),
                        "hip": fmt_range(mid + hip_gap - 2.54, mid + hip_gap + 2.54),
                    },
                )
            )
        return rows
    if system == "collar":
        for collar in COLLAR_CM:
            chest = 97 + (collar - 40) * 3 + off
            rows.append(
                (
                    str(collar),
                    {
                        "chest": fmt_range(chest - 1.5, chest + 1.5),
                        "waist": fmt_range(chest - 15.5, chest - 12.5),
                    },
                )
            )
        return rows
    table = gbt_body(sex) if profile.base == "gbt" else INTL_BODY[sex]
    wanted = (*dims_for(category), "height", "weight") if profile.base == "gbt" else dims_for(category)
    for index, letter in enumerate(LETTERS):
        label = HAOXING[sex][letter] if system == "haoxing" else letter
        measurements: dict[str, str] = {}
        for dim in wanted:
            edges = table[dim]
            shift = off if dim in ("chest", "waist", "hip") else 0
            measurements[dim] = fmt_range(edges[index] + shift, edges[index + 1] + shift)
        rows.append((label, measurements))
    return rows


def garment_ease(dimension: str, fit: str, category: str) -> float:
    """Ease for a girth; stretch fabric is cut closer to the body, very stretchy fabric below it."""
    ease = GIRTH_EASE[dimension][fit]
    if taxonomy.garment_group(category) == "outerwear":
        ease += OUTERWEAR_EASE[dimension]
    stretch = STRETCH[category]
    return ease * (1.0 - stretch) - 4.0 * stretch


def garment_rows(
    profile: BrandProfile, category: str, gender: str, system: str, fit: str
) -> list[tuple[str, dict[str, str]]]:
    """Flat garment measurements: body midpoint + ease for the fit, plus lengths graded per size."""
    sex = "women" if gender == "women" else "men"
    group = taxonomy.garment_group(category)
    rows: list[tuple[str, dict[str, str]]] = []
    for label, body in body_rows(
        BrandProfile("", "", "", profile.offset_cm, "body", profile.base), category, gender, system
    ):
        # Size steps away from M (waist 32, collar 40); lengths grade by step.
        if system == "waist":
            steps = (int(label) - 32) / 2
        elif system == "collar":
            steps = (int(label) - 40) / 2
        elif system == "haoxing":
            steps = list(HAOXING[sex].values()).index(label) - 2
        else:
            steps = LETTERS.index(label) - 2
        measurements: dict[str, str] = {}
        mids = {dim: sum(float(x) for x in value.split("-", 1)) / 2 for dim, value in body.items()}
        girths: tuple[str, ...] = ("waist", "hip") if group == "bottom" else ("chest",)
        if group in ("dress", "onepiece"):
            girths = ("chest", "waist", "hip")
        for dim in girths:
            measurements[dim] = fmt_number(mids[dim] + garment_ease(dim, fit, category))
        if group == "bottom":
            measurements["length"] = fmt_number(BOTTOM_LENGTH_M[category] + steps)
            if category in INSEAM:
                measurements["inseam"] = fmt_number(INSEAM[category] - (2 if sex == "women" else 0))
        else:
            if group != "dress" and group != "onepiece":
                shoulder = (45 + 1.5 * steps) if sex == "men" else (38 + 1.0 * steps)
                measurements["shoulder"] = fmt_number(shoulder)
            if category != "kurta":  # knee-long kurtas would read as far too long for a top
                measurements["length"] = fmt_number(TOP_LENGTH_M[(sex, category)] + 2 * steps)
            if category in SLEEVE_M:
                sleeve = SLEEVE_M[category] - (0 if sex == "men" else 4) + steps
                measurements["sleeve"] = fmt_number(sleeve)
        rows.append((label, measurements))
    return rows


# ------------------------------------------------------------------------------------------- charts


@dataclass
class Chart:
    chart_id: str
    name: str
    brand: str
    category: str
    gender: str
    kind: str
    fit: str
    stretch: float
    rows: list[tuple[str, dict[str, str]]]


SYSTEM_NAME = {
    "letter": "letter sizes",
    "haoxing": "GB/T 1335 号型",
    "waist": "waist inches",
    "collar": "EU shirt collar cm",
}


def build_charts(items: list[Item], profiles: dict[str, BrandProfile]) -> dict[str, Chart]:
    charts: dict[str, Chart] = {}
    for item in items:
        profile = profiles[item.brand]
        if profile.base == "gbt" and item.system == "letter" and item.category in HAOXING_CATEGORIES:
            sex = "women" if item.gender == "women" else "men"
            item.sizes = [HAOXING[sex][s] for s in item.sizes]
            item.system = "haoxing"
        chart_fit = (item.fit or "regular") if profile.kind == "garment" else "regular"
        parts = [profile.group, item.category, item.gender, item.system]
        if profile.kind == "garment":
            parts.append(chart_fit)
        chart_id = "-".join(parts).replace("_", "-")
        if chart_id not in charts:
            category_en = taxonomy.label("category", item.category, "en")
            gender_en = taxonomy.label("gender", item.gender, "en")
            fit_note = f", {chart_fit} fit" if profile.kind == "garment" else ""
            system_name = SYSTEM_NAME[item.system]
            name = f"{profile.display} {gender_en} {category_en} ({system_name}, {profile.kind}{fit_note})"
            rows = (
                garment_rows(profile, item.category, item.gender, item.system, chart_fit)
                if profile.kind == "garment"
                else body_rows(profile, item.category, item.gender, item.system)
            )
            charts[chart_id] = Chart(
                chart_id=chart_id,
                name=name,
                brand=profile.brand,
                category=item.category,
                gender=item.gender,
                kind=profile.kind,
                fit=chart_fit,
                stretch=STRETCH[item.category],
                rows=rows,
            )
        chart_labels = [label for label, _ in charts[chart_id].rows]
        item.sizes = sorted((s for s in item.sizes if s in chart_labels), key=chart_labels.index)
        item.chart_id = chart_id
    return charts


# ------------------------------------------------------------------------------------------- text


def title_zh(item: Item) -> str:
    pick = stable_hash("title:" + item.source_id)
    gender_words = ZH_GENDER[item.gender]
    parts = [item.brand]
    if item.season and pick % 3 == 0 and item.year:
        parts.append(f"{item.year}{ZH_SEASON[item.season]}新款")
    elif item.season and pick % 3 == 1:
        parts.append(f"{ZH_SEASON[item.season]}")
    parts.append(gender_words[pick % len(gender_words)])
    parts.append(taxonomy.label("color", item.color, "zh"))
    if item.fabric_raw in ZH_FABRIC:
        parts.append(ZH_FABRIC[item.fabric_raw])
    if item.pattern in ZH_PATTERN:
        parts.append(ZH_PATTERN[item.pattern])
    if item.neck in ZH_NECK:
        parts.append(ZH_NECK[item.neck])
    if item.sleeve in ZH_SLEEVE and item.category not in BOTTOMS:
        parts.append(ZH_SLEEVE[item.sleeve])
    if item.fit:
        parts.append(ZH_FIT[item.fit])
    parts.append(taxonomy.label("category", item.category, "zh"))
    return " ".join(p for p in parts if p)


def description(item: Item) -> str:
    words = [GENDER_EN[item.gender], taxonomy.label("color", item.color, "en").lower()]
    if item.pattern and item.pattern in ZH_PATTERN:
        words.append(item.pattern.lower())
    if item.fabric_raw and item.fabric_raw in ZH_FABRIC:
        words.append(item.fabric_raw.lower())
    words.append(taxonomy.label("category", item.category, "en").lower())
    sentence = " ".join(words) + f" by {item.brand}"
    details = [d.lower() for d in (item.neck, item.sleeve) if d and d != "NA"]
    if item.fit:
        details.append(f"{item.fit} fit")
    if details:
        sentence += ", " + ", ".join(details)
    sentence += "."
    usage = taxonomy.label("occasion", item.occasion, "en").lower() if item.occasion else ""
    season = taxonomy.label("season", item.season, "en").lower() if item.season else ""
    if usage and season:
        sentence += f" For {usage} wear, {season} {item.year} collection."
    elif usage:
        sentence += f" For {usage} wear."
    return sentence


def assign_stock(item: Item) -> None:
    """Synthetic, seeded per SKU: mostly 1-30 pieces, about one size in six sold out, never all."""
    rng = random.Random(f"{SEED}:{item.source_id}")
    stock = {size: (0 if rng.random() < 0.17 else rng.randint(1, 30)) for size in item.sizes}
    if not any(stock.values()):
        stock[item.sizes[len(item.sizes) // 2]] = rng.randint(1, 30)
    item.stock = stock


# ------------------------------------------------------------------------------------------- output


def products_csv(items: list[Item]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PRODUCT_COLUMNS)
    for item in items:
        writer.writerow(
            [
                f"MYN-{item.source_id}",
                item.name,
                title_zh(item),
                description(item),
                item.brand,
                item.category,
                item.gender,
                item.color,
                item.material,
                item.season,
                item.occasion,
                shop_price(item.price_inr),
                "CNY",
                "|".join(item.sizes),
                "|".join(f"{s}:{item.stock[s]}" for s in item.sizes),
                item.chart_id,
                item.image_url,
                item.landing_url,
                item.fit,
            ]
        )
    return buffer.getvalue()


def charts_csv(charts: dict[str, Chart]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHART_COLUMNS)
    for chart_id in sorted(charts):
        chart = charts[chart_id]
        for label, measurements in chart.rows:
            writer.writerow(
                [chart.chart_id, chart.name, chart.brand, chart.category, chart.gender, chart.kind, chart.fit,
                 chart.stretch, label]
                + [measurements.get(dim, "") for dim in DIMENSIONS]
            )  # fmt: skip
    return buffer.getvalue()


SOURCE_TEMPLATE = """\
# Demo catalog: source and derivation

Rebuilt by `python scripts/build_demo_data.py` from `../shared/datasets/myntra_fashion_styles/`: the Myntra
"Fashion Product Images Dataset" metadata (Kaggle `paramaggarwal/fashion-product-images-dataset`, licence MIT
per the Kaggle page, as noted in that folder's SOURCES.md). Files used: `myntra_apparel_flat.csv` (attributes,
sizes, prices) and `myntra_products.jsonl.gz` (image and landing-page URLs). The build is deterministic
(seed {seed}); re-running it gives byte-identical files.

## What is real and what is derived

- `sku`: `MYN-` + the Myntra style id.
- `title`: real `productDisplayName`.
- `brand`, `gender`, `season`, `occasion`: real `brandName`, `gender`, `season`, `usage`, mapped onto the
  canonical names of `catalog/taxonomy.py` (values it does not know, such as `Smart Casual`, are left empty).
- `category`: real `articleType` mapped to a canonical category (Tshirts -> tshirt, Kurtis -> kurta,
  Tunics -> top, Jeggings/Tights -> leggings, Trunk/Boxers -> briefs, ...).
- `color`: real `baseColour` mapped to a canonical colour (Navy Blue -> navy, Cream -> beige,
  Mustard -> yellow).
- `material`: real `fabric` attribute mapped to a canonical material; empty when the source has none.
- `attr_fit`: real `Fit` attribute: Slim/Skinny/Tapered -> slim, Regular -> regular, Loose/Relaxed -> loose;
  empty when absent.
- `price`: **derived**: real `discountedPrice` in INR x {rate} CNY per INR (fixed demo rate), rounded to a
  shop price ending in 9 (1799 INR -> 149 CNY, 849 INR -> 69 CNY). `currency` is CNY.
- `title_zh`: **derived** from the attributes (brand, season/year, gender, colour, fabric, pattern, neck,
  sleeve, fit, category) in the word order of Taobao titles; nothing was machine-translated or copied.
- `description`: **derived** English sentence built only from the real fields.
- `sizes`: the real size list, labels normalised with `sizing.size_systems.normalize_size_label`, one size
  system per product (letters XS-3XL; even waist inches 26-42 for bottoms; collar cm 36-46 for men's
  shirts); labels of other systems are dropped. **Derived**: for the GB/T brands below, letter sizes of tops
  and dresses are written as their 号型 (M -> 170/88A men, 160/84A women), as Chinese shops label them.
- `stock`: **synthetic**: seeded random counts 1-30 per size, about 17% of sizes 0 (sold out), never all
  sizes 0. The source's inventory snapshot is a crawl artefact and not usable as stock.
- `size_chart`: **derived** chart id in `size_charts.csv` (see below); the source only has chart images.
- `image_url`, `url`: real `defaultImageUrl` and `https://www.myntra.com/` + `landingPageUrl` (may no longer
  resolve).

## Contents: {products} products, {charts} size charts

Adult apparel only (`ageGroup` Adults-Men/Women/Unisex), sampled per category with a quota, split evenly
between genders where the source allows. Sarees, dupattas, nightwear, bras, vests and accessories are left
out: their sizes do not map onto these body charts.

- Per category: {per_category}.
- Per gender: {per_gender}.

## Size charts

One chart per (brand or brand pool, category, gender, size system), and per fit for brands that publish
garment measurements. Body charts give the range of body measurements each size fits (`88-92`); garment
charts give flat garment measurements. Every product's sizes are rows of its chart.

Base body tables (cm, kg):
- `intl`, common EU/US body charts: men chest edges XS..3XL 84/89/94/100/106/112/118/124, waist 70..110,
  hip 86..126; women bust 78/82/87/92/98/104/110/116, waist 60..98, hip 86..124.
- `gbt`, GB/T 1335.1-2008 (men) and 1335.2-2008 (women), 5·4 A series: men 号 160..190 in 5 cm steps, chest
  80..104 in 4 cm steps (170/88A = M), waist = chest - 14 (A type), hip step 3.2; women 号 150..180, bust
  76..100 (160/84A = M), waist 60..84 (A type), hip 82.8..104.4 step 3.6; with height and weight ranges.
- waist-inch sizes (jeans, trousers, shorts, track pants, leggings, capris, skirts): body waist = size x 2.54
  cm +- 2.54 (one inch either side); hip = waist + 17 (men) or + 25 (women).
- collar sizes (men's shirts, EU shirt sizes 36-46): chest centre 97 cm at 40, +3 cm per collar cm.
- garment charts: garment girth = body midpoint + ease. Ease slim / regular / loose: chest 4/8/14, waist
  1/3/6, hip 2/5/9 cm, jackets +6 chest, +6 waist, +4 hip; stretch fabric is cut closer (ease x (1 - stretch)
  - 4 x stretch, so leggings measure below the body). Length, shoulder and sleeve graded per size step;
  kurtas give no length (a knee-long kurta is not a top length).

Grading: each brand's chest, waist and hip ranges are shifted by its offset in cm (negative: the brand runs
small, a shopper needs a larger label). Brands with at least {named_min} demo items get their own charts with
an offset drawn deterministically from {offsets} by a hash of the brand name. Among those with at most
{special_max} items, in hash order, the first {gbt} with at least {named_min} letter-sized tops or dresses use
the GB/T base with 号型 labels, and the first {garment} others publish garment measurements. Smaller brands
share pooled charts by an offset drawn from {pooled}.

| brand | items | offset cm | runs | kind | base | chart prefix |
|---|---|---|---|---|---|---|
"""


def source_md(items: list[Item], charts: dict[str, Chart], profiles: dict[str, BrandProfile]) -> str:
    counts = Counter(item.category for item in items)
    genders = Counter(item.gender for item in items)
    used_brands = Counter(item.brand for item in items)
    text = SOURCE_TEMPLATE.format(
        seed=SEED,
        rate=INR_TO_CNY,
        products=len(items),
        charts=len(charts),
        per_category=", ".join(f"{c} {counts[c]}" for c in CATEGORY_QUOTA if counts[c]),
        per_gender=", ".join(f"{g} {n}" for g, n in sorted(genders.items())),
        named_min=NAMED_BRAND_MIN_ITEMS,
        offsets=list(OFFSETS),
        special_max=SPECIAL_BRAND_MAX_ITEMS,
        gbt=GBT_BRANDS,
        garment=GARMENT_BRANDS,
        pooled=list(POOLED_OFFSETS),
    )
    lines = text.splitlines()
    for brand in sorted(used_brands, key=lambda b: (-used_brands[b], b)):
        p = profiles[brand]
        if not p.brand:
            continue
        runs = "small" if p.offset_cm < 0 else ("large" if p.offset_cm > 0 else "true to size")
        row = (brand, str(used_brands[brand]), f"{p.offset_cm:+d}", runs, p.kind, p.base, f"`{p.group}`")
        lines.append("| " + " | ".join(row) + " |")
    pooled: dict[str, list[str]] = defaultdict(list)
    for brand in sorted(used_brands):
        if not profiles[brand].brand:
            pooled[profiles[brand].group].append(brand)
    lines += ["", "Pooled smaller brands (chart prefix: brands):", ""]
    for group in sorted(pooled):
        offset = profiles[pooled[group][0]].offset_cm
        lines.append(f"- `{group}` ({offset:+d} cm): " + ", ".join(pooled[group]))
    lines.append("")
    return "\n".join(lines)


def build(datasets: Path, out: Path) -> tuple[int, int]:
    rows, links = read_rows(datasets)
    candidates = [item for row in rows if (item := to_item(row, links)) is not None]
    items = sample(candidates)
    profiles = brand_profiles(items)
    charts = build_charts(items, profiles)
    for item in items:
        assign_stock(item)
    out.mkdir(parents=True, exist_ok=True)
    (out / "products.csv").write_text(products_csv(items), encoding="utf-8")
    (out / "size_charts.csv").write_text(charts_csv(charts), encoding="utf-8")
    (out / "SOURCE.md").write_text(source_md(items, charts, profiles), encoding="utf-8")
    return len(items), len(charts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=DEFAULT_DATASETS, help="folder holding myntra_fashion_styles/"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default data/demo)")
    args = parser.parse_args()
    products, charts = build(args.datasets, args.out)
    print(f"wrote {products} products and {charts} size charts to {args.out}")


if __name__ == "__main__":
    main()
