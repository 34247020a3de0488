"""The shared vocabulary of FitGuide: canonical categories, colours, genders, materials.

Catalog uploads normalise merchant values onto these names, the demo catalog uses them, the sizing
engine picks its dimension weights by ``garment_group``, and the guide maps Chinese and English query
words onto them, so a Chinese query works on an English catalog and the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str  # canonical value stored on products
    en: str  # display name, English
    zh: str  # display name, Chinese
    synonyms: tuple[str, ...] = ()  # lowercase words a merchant or shopper may use, both languages


@dataclass(frozen=True)
class Category(Term):
    # top | bottom | dress | outerwear | innerwear | onepiece: decides which body dimensions matter.
    garment_group: str = "top"


CATEGORIES: tuple[Category, ...] = (
    Category(
        "tshirt",
        "T-shirt",
        "T恤",
        ("tshirts", "t-shirt", "t-shirts", "tee", "tees", "t恤", "短袖", "体恤"),
        "top",
    ),
    Category("shirt", "Shirt", "衬衫", ("shirts", "衬衣", "衬衫"), "top"),
    Category("top", "Top", "上衣", ("tops", "blouse", "tunic", "tunics", "上衣", "女上衣", "雪纺衫"), "top"),
    Category("kurta", "Kurta", "库尔塔长衫", ("kurtas", "kurti", "kurtis", "长衫"), "top"),
    Category(
        "sweatshirt", "Sweatshirt", "卫衣", ("sweatshirts", "hoodie", "hoodies", "卫衣", "连帽衫"), "top"
    ),
    Category(
        "sweater",
        "Sweater",
        "毛衣",
        ("sweaters", "jumper", "pullover", "cardigan", "毛衣", "针织衫", "开衫"),
        "top",
    ),
    Category(
        "jacket",
        "Jacket",
        "夹克",
        ("jackets", "夹克", "外套", "rain jacket", "windbreaker", "冲锋衣"),
        "outerwear",
    ),
    Category(
        "down_jacket",
        "Down jacket",
        "羽绒服",
        ("down jacket", "puffer", "puffer jacket", "羽绒服", "羽绒衣", "棉服"),
        "outerwear",
    ),
    Category("coat", "Coat", "大衣", ("coats", "overcoat", "大衣", "风衣", "trench coat"), "outerwear"),
    Category("blazer", "Blazer", "西装外套", ("blazers", "suit jacket", "西装", "西服"), "outerwear"),
    Category("dress", "Dress", "连衣裙", ("dresses", "连衣裙", "裙子", "长裙"), "dress"),
    Category("skirt", "Skirt", "半身裙", ("skirts", "半身裙", "短裙"), "bottom"),
    Category("jeans", "Jeans", "牛仔裤", ("jean", "denim", "牛仔裤"), "bottom"),
    Category(
        "trousers",
        "Trousers",
        "长裤",
        ("trouser", "pants", "chinos", "slacks", "裤子", "长裤", "休闲裤", "西裤"),
        "bottom",
    ),
    Category(
        "track_pants",
        "Track pants",
        "运动裤",
        ("track pants", "joggers", "sweatpants", "运动裤", "卫裤"),
        "bottom",
    ),
    Category("shorts", "Shorts", "短裤", ("short", "短裤"), "bottom"),
    Category(
        "leggings", "Leggings", "打底裤", ("legging", "jeggings", "tights", "打底裤", "紧身裤"), "bottom"
    ),
    Category("capris", "Capris", "七分裤", ("capri", "七分裤"), "bottom"),
    Category("jumpsuit", "Jumpsuit", "连体裤", ("jumpsuits", "playsuit", "连体裤", "连体衣"), "onepiece"),
    Category(
        "nightwear",
        "Nightwear",
        "睡衣",
        ("nightdress", "night suit", "pyjamas", "pajamas", "睡衣", "睡裙"),
        "onepiece",
    ),
    Category("bra", "Bra", "文胸", ("bras", "文胸", "胸罩", "内衣"), "innerwear"),
    Category("briefs", "Briefs", "内裤", ("brief", "trunk", "trunks", "boxers", "内裤"), "innerwear"),
)

COLORS: tuple[Term, ...] = (
    Term("black", "Black", "黑色", ("black", "黑", "黑色")),
    Term("white", "White", "白色", ("white", "off white", "白", "白色", "米白")),
    Term("grey", "Grey", "灰色", ("gray", "grey melange", "charcoal", "灰", "灰色", "深灰", "浅灰")),
    Term("blue", "Blue", "蓝色", ("blue", "turquoise blue", "蓝", "蓝色", "浅蓝")),
    Term("navy", "Navy", "藏青色", ("navy blue", "navy", "藏青", "藏蓝", "深蓝", "海军蓝")),
    Term("red", "Red", "红色", ("red", "红", "红色", "大红")),
    Term("maroon", "Maroon", "酒红色", ("maroon", "burgundy", "wine", "酒红", "枣红")),
    Term("pink", "Pink", "粉色", ("pink", "rose", "peach", "粉", "粉色", "粉红")),
    Term("purple", "Purple", "紫色", ("purple", "lavender", "magenta", "mauve", "紫", "紫色")),
    Term("green", "Green", "绿色", ("green", "sea green", "lime green", "teal", "绿", "绿色")),
    Term("olive", "Olive", "橄榄绿", ("olive", "khaki", "军绿", "橄榄绿", "卡其")),
    Term("yellow", "Yellow", "黄色", ("yellow", "mustard", "gold", "黄", "黄色")),
    Term("orange", "Orange", "橙色", ("orange", "rust", "橙", "橙色", "橘色")),
    Term("brown", "Brown", "棕色", ("brown", "coffee brown", "tan", "taupe", "棕", "棕色", "咖啡色")),
    Term("beige", "Beige", "米色", ("beige", "cream", "nude", "skin", "米色", "杏色", "奶白")),
    Term("multi", "Multicolour", "多色", ("multi", "multicolor", "multicolour", "多色", "花色", "彩色")),
)

GENDERS: tuple[Term, ...] = (
    Term("men", "Men", "男", ("men", "man", "male", "mens", "men's", "男", "男士", "男款", "男装")),
    Term(
        "women",
        "Women",
        "女",
        ("women", "woman", "female", "womens", "women's", "ladies", "女", "女士", "女款", "女装"),
    ),
    Term("unisex", "Unisex", "男女同款", ("unisex", "男女同款", "中性")),
)

MATERIALS: tuple[Term, ...] = (
    Term("cotton", "Cotton", "棉", ("cotton", "pure cotton", "cotton blend", "棉", "纯棉", "全棉")),
    Term("polyester", "Polyester", "涤纶", ("polyester", "poly", "涤纶", "聚酯纤维")),
    Term("wool", "Wool", "羊毛", ("wool", "merino", "羊毛", "毛呢")),
    Term("cashmere", "Cashmere", "羊绒", ("cashmere", "羊绒")),
    Term("silk", "Silk", "真丝", ("silk", "pure silk", "dupion silk", "真丝", "丝绸", "桑蚕丝")),
    Term("linen", "Linen", "亚麻", ("linen", "亚麻", "麻")),
    Term("denim", "Denim", "牛仔布", ("denim", "牛仔布")),
    Term("down", "Down", "羽绒", ("down", "duck down", "goose down", "羽绒", "鸭绒", "鹅绒")),
    Term("nylon", "Nylon", "尼龙", ("nylon", "尼龙", "锦纶")),
    Term(
        "viscose",
        "Viscose",
        "粘胶",
        ("viscose", "viscose rayon", "rayon", "modal", "tencel", "lyocell", "粘胶", "人造丝", "莫代尔"),
    ),
    Term("blend", "Blend", "混纺", ("blended", "blend", "synthetic", "混纺")),
    Term("elastane", "Elastane", "氨纶", ("elastane", "spandex", "lycra", "氨纶")),
)

SEASONS: tuple[Term, ...] = (
    Term("spring", "Spring", "春季", ("spring", "春", "春季", "春款")),
    Term("summer", "Summer", "夏季", ("summer", "夏", "夏季", "夏天", "夏款")),
    Term("fall", "Autumn", "秋季", ("fall", "autumn", "秋", "秋季", "秋天", "秋款")),
    Term("winter", "Winter", "冬季", ("winter", "冬", "冬季", "冬天", "冬款", "保暖", "warm")),
)

OCCASIONS: tuple[Term, ...] = (
    Term("casual", "Casual", "休闲", ("casual", "everyday", "休闲", "日常")),
    Term(
        "formal", "Formal", "正式", ("formal", "office", "work", "business", "正式", "通勤", "上班", "商务")
    ),
    Term("sports", "Sports", "运动", ("sports", "sport", "gym", "running", "运动", "健身", "跑步")),
    Term("party", "Party", "派对", ("party", "date", "evening", "派对", "约会", "聚会")),
    Term("ethnic", "Ethnic", "民族风", ("ethnic", "traditional", "民族风", "民族")),
)


def _index(terms: tuple[Term, ...]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for term in terms:
        for word in (term.name, term.en.lower(), term.zh, *term.synonyms):
            lookup.setdefault(word.lower(), term.name)
    return lookup


_LOOKUPS: dict[str, dict[str, str]] = {
    "category": _index(CATEGORIES),
    "color": _index(COLORS),
    "gender": _index(GENDERS),
    "material": _index(MATERIALS),
    "season": _index(SEASONS),
    "occasion": _index(OCCASIONS),
}
TERMS: dict[str, tuple[Term, ...]] = {
    "category": CATEGORIES,
    "color": COLORS,
    "gender": GENDERS,
    "material": MATERIALS,
    "season": SEASONS,
    "occasion": OCCASIONS,
}


def canonical(field: str, value: str | None) -> str | None:
    """The canonical name for a merchant's or shopper's word, or None when it is not known."""
    if value is None:
        return None
    return _LOOKUPS[field].get(value.strip().lower())


def synonyms(field: str) -> dict[str, str]:
    """Every known word (lowercase, both languages) mapped to its canonical value."""
    return dict(_LOOKUPS[field])


def term(field: str, name: str) -> Term | None:
    return next((t for t in TERMS[field] if t.name == name), None)


def garment_group(category: str | None) -> str:
    category_term = next((c for c in CATEGORIES if c.name == category), None)
    return category_term.garment_group if category_term else "top"


def label(field: str, name: str | None, lang: str) -> str:
    """Display name of a canonical value in 'en' or 'zh'; unknown values pass through."""
    if not name:
        return ""
    found = term(field, name)
    if found is None:
        return name
    return found.zh if lang == "zh" else found.en
