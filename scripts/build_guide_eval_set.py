"""Build the judged guide evaluation set in data/eval/ for the demo catalog in data/demo/.

    python scripts/build_guide_eval_set.py [--check]

Writes guide_queries.jsonl (judged shopper queries, half Chinese, half English) and guide_dialogues.jsonl
(scripted multi-turn dialogues with the filters and results expected after every turn). The queries are
hand-written for this catalog; their relevance criteria are checked against data/demo/products.csv so
that every query except the deliberately impossible ones has at least one exact (grade 2) product.
``--check`` validates without writing. ``judge`` is the reference grading other code can mirror.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = ROOT / "data" / "demo" / "products.csv"
OUT = ROOT / "data" / "eval"
AROUND = 0.2  # "两百左右" / "around 200" counts 160-240 as exact

# ----------------------------------------------------------------------------------------- judging


def _field(product: Mapping[str, Any], name: str) -> str:
    """A product's canonical value; accepts products.csv rows (attr_fit) and record-like dicts (fit)."""
    value = product.get(name)
    if value in (None, "") and name == "fit":
        value = product.get("attr_fit")
    return str(value or "").strip()


def _price(product: Mapping[str, Any]) -> float:
    return float(product["price"])


def matches(product: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
    """True when the product meets every field criterion (values ORed within a field)."""
    for name, allowed in criteria.items():
        if name == "price_range":
            low, high = allowed
            if not low <= _price(product) <= high:
                return False
        elif name == "brand":
            if _field(product, "brand").lower() not in {b.lower() for b in allowed}:
                return False
        elif _field(product, name) not in allowed:
            return False
    return True


def violations(product: Mapping[str, Any], constraints: Mapping[str, Any]) -> list[str]:
    """Names of the hard constraints the product breaks (empty when it may be shown)."""
    broken: list[str] = []
    category, color, material = (
        _field(product, "category"),
        _field(product, "color"),
        _field(product, "material"),
    )
    if constraints.get("categories") and category not in constraints["categories"]:
        broken.append("categories")
    gender = constraints.get("gender")
    if gender and _field(product, "gender") not in (gender, "unisex"):
        broken.append("gender")
    if constraints.get("colors") and color not in constraints["colors"]:
        broken.append("colors")
    if color and color in constraints.get("exclude_colors", ()):
        broken.append("exclude_colors")
    if constraints.get("materials") and material not in constraints["materials"]:
        broken.append("materials")
    if material and material in constraints.get("exclude_materials", ()):
        broken.append("exclude_materials")
    price = _price(product)
    if constraints.get("price_min") is not None and price < constraints["price_min"]:
        broken.append("price_min")
    if constraints.get("price_max") is not None and price > constraints["price_max"]:
        broken.append("price_max")
    return broken


def judge(product: Mapping[str, Any], query: Mapping[str, Any]) -> int:
    """Graded relevance: 2 exact, 1 partial, 0 otherwise; a product breaking a hard constraint is 0."""
    if violations(product, query.get("constraints", {})):
        return 0
    criteria = query["criteria"]
    if matches(product, criteria["exact"]):
        return 2
    if criteria.get("partial") and matches(product, criteria["partial"]):
        return 1
    return 0


def satisfies(product: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    """Dialogue result check: {field: value | {"max"|"min"|"in"|"not_in": ...}}, "in_stock": size label."""
    for name, expected in condition.items():
        if name == "in_stock":
            stock = dict(pair.split(":", 1) for pair in str(product.get("stock", "")).split("|") if pair)
            if int(stock.get(expected, "0") or 0) <= 0:
                return False
            continue
        value: Any = _price(product) if name == "price" else _field(product, name)
        if isinstance(expected, dict):
            if "max" in expected and value > expected["max"]:
                return False
            if "min" in expected and value < expected["min"]:
                return False
            if "in" in expected and value not in expected["in"]:
                return False
            if "not_in" in expected and value in expected["not_in"]:
                return False
        elif value != expected:
            return False
    return True


# ----------------------------------------------------------------------------------------- queries
# One query per line: "text || spec". Spec tokens (values comma-separated; '_' in brand names is a space):
#   c=  categories (exact and hard)      g=  gender (exact with unisex, hard)
#   col= mat= fit= occ= sea= brand=      soft exact criteria (other values still earn partial credit)
#   !col= !mat=                          colours / materials the shopper insists on (exact and hard)
#   -col= -mat=                          excluded colours / materials (hard)
#   max= min=                            price bounds in CNY (hard)       ~=  "around" price (soft, +-20%)
#   empty                                deliberately impossible in this catalog: nothing may be grade 2

ZH_QUERIES = """
男士纯棉白色T恤 || c=tshirt g=men col=white mat=cotton
黑色连衣裙 || c=dress col=black
不要红色的连衣裙 || c=dress -col=red
适合约会的裙子 || c=dress occ=party
夏季连衣裙 200以内 || c=dress sea=summer max=200
女士牛仔裤 修身 || c=jeans g=women fit=slim
男士蓝色牛仔裤 常规版型 || c=jeans g=men col=blue fit=regular
运动短裤 男 || c=shorts g=men occ=sports
跑步穿的运动裤 || c=track_pants occ=sports
黑色运动裤 100以内 || c=track_pants col=black max=100
女款卫衣 灰色 || c=sweatshirt g=women col=grey
连帽卫衣男 || c=sweatshirt g=men
秋冬毛衣女 || c=sweater g=women sea=fall,winter
男士针织衫 藏青色 || c=sweater g=men col=navy
夹克 男 300以内 || c=jacket g=men max=300
黑色夹克外套 || c=jacket col=black
女士衬衫 白色 || c=shirt g=women col=white
男士正装衬衫 上班穿 || c=shirt g=men occ=formal
格子衬衫男 || c=shirt g=men
商务休闲裤 男 || c=trousers g=men occ=formal
卡其色休闲裤 || c=trousers col=olive,beige
女士打底裤 黑色 || c=leggings g=women col=black
七分裤女 夏天穿 || c=capris g=women sea=summer
半身裙 黑色 || c=skirt col=black
印花上衣 女 || c=top g=women
雪纺衫 || c=top
民族风长衫 女 || c=kurta g=women occ=ethnic
粉色上衣 50以内 || c=top col=pink max=50
男士内裤 纯棉 || c=briefs g=men mat=cotton
女士内裤 || c=briefs g=women
Nike T恤 男 || c=tshirt g=men brand=Nike
阿迪达斯运动裤 || c=track_pants brand=ADIDAS
彪马卫衣 || c=sweatshirt brand=Puma
Lee牛仔裤 || c=jeans brand=Lee
贝纳通T恤 女 || c=tshirt g=women brand=United_Colors_of_Benetton
牛仔裤 150以内 || c=jeans max=150
两百左右的连衣裙 || c=dress ~=200
100到200的男士夹克 || c=jacket g=men min=100 max=200
不超过三百块的女士外套 || c=jacket g=women max=300
便宜的T恤 50块以下 || c=tshirt max=50
白色T恤 女 纯棉 || c=tshirt g=women col=white mat=cotton
修身T恤男 黑色 || c=tshirt g=men col=black fit=slim
不要涤纶的运动T恤 || c=tshirt occ=sports -mat=polyester
纯棉衬衫 不要白色 || c=shirt mat=cotton -col=white
男士polo衫 || c=tshirt,shirt g=men
给我老公买件衬衫 || c=shirt g=men
给女朋友买条裙子 300以内 || c=dress g=women max=300
显瘦的黑色打底裤 || c=leggings col=black
夏天穿的短裤 女 || c=shorts g=women sea=summer
冬季保暖夹克 男 || c=jacket g=men sea=winter
保暖毛衣 男 200以内 || c=sweater g=men sea=winter,fall max=200
藏青色T恤 || c=tshirt col=navy
酒红色毛衣 || c=sweater col=maroon
军绿色夹克 || c=jacket col=olive
米色休闲裤 女 || c=trousers g=women col=beige
灰色运动卫衣 || c=sweatshirt col=grey occ=sports
绿色上衣 || c=top col=green
紫色长衫 || c=kurta col=purple
黄色连衣裙 夏天 || c=dress col=yellow sea=summer
橙色T恤 || c=tshirt col=orange
棕色裤子 男 || c=trousers g=men col=brown
黑色或者灰色的运动裤 || c=track_pants col=black,grey
卫衣 不要黑色的 || c=sweatshirt -col=black
不要粉色的女士T恤 || c=tshirt g=women -col=pink
男士短袖 白色 100以内 || c=tshirt g=men col=white max=100
运动风女士七分裤 || c=capris g=women occ=sports
通勤衬衫 女 || c=shirt g=women occ=formal
女款牛仔裤 100到200 || c=jeans g=women min=100 max=200
男士牛仔短裤 || c=shorts g=men
条纹衬衫 男 修身 || c=shirt g=men fit=slim
亚麻衬衫 || c=shirt mat=linen
涤纶运动短裤 || c=shorts mat=polyester occ=sports
只要纯棉的T恤 不要混纺 || c=tshirt !mat=cotton -mat=blend
100元以下的女士上衣 || c=top g=women max=100
300元以上的夹克 || c=jacket min=300
黑色牛仔裤 男 200以内 || c=jeans g=men col=black max=200
浅蓝色牛仔裤 女 || c=jeans g=women col=blue
白色衬衫 男 纯棉 修身 || c=shirt g=men col=white mat=cotton fit=slim
派对穿的黑色裙子 || c=dress col=black occ=party
适合上班穿的裤子 女 || c=trousers g=women occ=formal
健身穿的T恤 男 || c=tshirt g=men occ=sports
瑜伽打底裤 || c=leggings
女士开衫 || c=sweater g=women
男士卫衣 秋季 || c=sweatshirt g=men sea=fall
秋季夹克 女 || c=jacket g=women sea=fall
纯色T恤 || c=tshirt
女士短裙 || c=skirt g=women
半身裙 150以内 || c=skirt max=150
灰色长裤 男 正式 || c=trousers g=men col=grey occ=formal
黑色西裤 || c=trousers col=black occ=formal
休闲衬衫 男 蓝色 || c=shirt g=men col=blue occ=casual
民族风上衣 || c=top occ=ethnic
女士长袖T恤 || c=tshirt g=women
圆领T恤 男 灰色 || c=tshirt g=men col=grey
夏季短裤 男 100以内 || c=shorts g=men sea=summer max=100
紫色连衣裙 不要太贵 150以内 || c=dress col=purple max=150
Jockey 男士内裤 || c=briefs g=men brand=Jockey
Wrangler 牛仔裤 男 || c=jeans g=men brand=Wrangler
Fabindia 长衫 || c=kurta brand=Fabindia
耐克运动短裤 || c=shorts brand=Nike occ=sports
彪马 T恤 黑色 || c=tshirt brand=Puma col=black
女士运动外套 || c=jacket g=women occ=sports
男士运动夹克 150以内 || c=jacket g=men occ=sports max=150
白色连衣裙 纯棉 || c=dress col=white mat=cotton
莫代尔连衣裙 || c=dress mat=viscose
女士牛仔裤 黑色 修身 || c=jeans g=women col=black fit=slim
灰色卫裤 || c=track_pants col=grey
男士休闲裤 修身 || c=trousers g=men fit=slim
蓝色条纹衬衫 || c=shirt col=blue
百搭白色T恤 || c=tshirt col=white
男士毛衣 不要灰色 150以内 || c=sweater g=men -col=grey max=150
深蓝色牛仔裤 男 || c=jeans g=men col=navy
红色T恤 女 || c=tshirt g=women col=red
黑色紧身裤 || c=leggings col=black
女士运动短裤 || c=shorts g=women occ=sports
粉色卫衣 女 || c=sweatshirt g=women col=pink
橄榄绿短裤 || c=shorts col=olive
打底裤 30块左右 || c=leggings ~=30
连体裤 女 || c=jumpsuit g=women
耐克 男款 100以内 || brand=Nike g=men max=100
运动穿的 女 150以内 || g=women occ=sports max=150
想给老公买件白色正装衬衫 修身的 150以内 || c=shirt g=men col=white occ=formal fit=slim max=150
有没有跑步穿的运动裤 不要灰色 || c=track_pants occ=sports -col=grey
夏天穿的连衣裙 别太贵 一百以内 || c=dress sea=summer max=100
日常穿的黑色打底裤 五十块以内 || c=leggings col=black occ=casual max=50
男士牛仔裤 一百五到两百五之间 || c=jeans g=men min=150 max=250
藏青色男士毛衣 不要涤纶 || c=sweater g=men col=navy -mat=polyester
保暖的黑色羽绒服 500以内 || c=down_jacket col=black sea=winter max=500 empty
羊绒大衣 女 || c=coat g=women mat=cashmere empty
10元以内的牛仔裤 || c=jeans max=10 empty
红色牛仔裤 女 || c=jeans g=women col=red empty
男士西装外套 || c=blazer g=men empty
女士睡衣 || c=nightwear g=women empty
连衣裙 20元以内 || c=dress max=20 empty
"""

EN_QUERIES = """
black jeans for men under 300 || c=jeans g=men col=black max=300
summer dress not pink between 100 and 200 || c=dress sea=summer -col=pink min=100 max=200
running shorts || c=shorts occ=sports
white cotton t-shirt men || c=tshirt g=men col=white mat=cotton
womens skinny jeans || c=jeans g=women fit=slim
navy polo shirt for men || c=tshirt,shirt g=men col=navy
grey hoodie || c=sweatshirt col=grey
women's black leggings || c=leggings g=women col=black
black party dress || c=dress col=black occ=party
dress for a date night || c=dress occ=party
casual shirt for men blue || c=shirt g=men col=blue occ=casual
formal shirts for office men || c=shirt g=men occ=formal
mens formal trousers grey || c=trousers g=men col=grey occ=formal
khaki chinos || c=trousers col=olive,beige
track pants for the gym || c=track_pants occ=sports
joggers black || c=track_pants col=black
sweatpants women grey || c=track_pants g=women col=grey
women's kurta cotton || c=kurta g=women mat=cotton
ethnic kurti under 100 || c=kurta occ=ethnic max=100
printed tops for women || c=top g=women
pink top under 50 || c=top col=pink max=50
black skirt || c=skirt col=black
short skirt under 150 || c=skirt max=150
capris for women summer || c=capris g=women sea=summer
men's briefs cotton || c=briefs g=men mat=cotton
nike t shirt men || c=tshirt g=men brand=Nike
adidas track pants || c=track_pants brand=ADIDAS
puma sweatshirt || c=sweatshirt brand=Puma
lee jeans || c=jeans brand=Lee
wrangler jeans for women || c=jeans g=women brand=Wrangler
jacket for men under 200 || c=jacket g=men max=200
women's jacket not black || c=jacket g=women -col=black
winter jacket men || c=jacket g=men sea=winter
warm sweater for women || c=sweater g=women sea=winter,fall
cardigan women navy || c=sweater g=women col=navy
mens sweater no polyester || c=sweater g=men -mat=polyester
t-shirt under 50 || c=tshirt max=50
tees around 100 || c=tshirt ~=100
dress around 200 || c=dress ~=200
jeans between 100 and 150 || c=jeans min=100 max=150
shirts over 150 || c=shirt min=150
slim fit black t shirt men || c=tshirt g=men col=black fit=slim
regular fit white shirt || c=shirt col=white fit=regular
linen shirt || c=shirt mat=linen
polyester sports t shirt || c=tshirt mat=polyester occ=sports
cotton only t-shirt, no blends || c=tshirt !mat=cotton -mat=blend
yellow summer dress || c=dress col=yellow sea=summer
purple dress under 150 || c=dress col=purple max=150
maroon sweater || c=sweater col=maroon
olive green jacket || c=jacket col=olive
beige trousers women || c=trousers g=women col=beige
green top || c=top col=green
orange tee || c=tshirt col=orange
brown pants men || c=trousers g=men col=brown
black or grey joggers || c=track_pants col=black,grey
sweatshirt anything but black || c=sweatshirt -col=black
women's t-shirt, no pink please || c=tshirt g=women -col=pink
a shirt as a gift for my husband || c=shirt g=men
something for my girlfriend, a dress under 300 || c=dress g=women max=300
black leggings that look slimming || c=leggings col=black
shorts for women summer || c=shorts g=women sea=summer
gym t-shirt for men || c=tshirt g=men occ=sports
work pants for women || c=trousers g=women occ=formal
office shirt for women || c=shirt g=women occ=formal
women jeans 100-200 || c=jeans g=women min=100 max=200
men's casual shorts || c=shorts g=men occ=casual
striped shirt men slim || c=shirt g=men fit=slim
white cotton dress || c=dress col=white mat=cotton
viscose dress || c=dress mat=viscose
womens black slim jeans || c=jeans g=women col=black fit=slim
grey sweatpants || c=track_pants col=grey
men's chinos slim fit || c=trousers g=men fit=slim
light blue jeans women || c=jeans g=women col=blue
plain white tee || c=tshirt col=white
sweater for men under 150 not grey || c=sweater g=men -col=grey max=150
dark blue jeans men || c=jeans g=men col=navy,blue
red t shirt women || c=tshirt g=women col=red
women's sports shorts || c=shorts g=women occ=sports
pink sweatshirt for women || c=sweatshirt g=women col=pink
olive shorts || c=shorts col=olive
cheap leggings around 30 || c=leggings ~=30
jumpsuit for women || c=jumpsuit g=women
jockey briefs men || c=briefs g=men brand=Jockey
fabindia kurta || c=kurta brand=Fabindia
nike running shorts || c=shorts brand=Nike occ=sports
puma black tee || c=tshirt brand=Puma col=black
women's sports jacket || c=jacket g=women occ=sports
men's track jacket under 150 || c=jacket g=men occ=sports max=150
green kurta || c=kurta col=green
purple kurti || c=kurta col=purple
white shirt for women || c=shirt g=women col=white
men's white shirt cotton slim fit || c=shirt g=men col=white mat=cotton fit=slim
blue jeans for men regular fit || c=jeans g=men col=blue fit=regular
hoodie for men || c=sweatshirt g=men
autumn sweatshirt men || c=sweatshirt g=men sea=fall
light jacket for autumn women || c=jacket g=women sea=fall
casual shirt men under 100 || c=shirt g=men occ=casual max=100
women's tops under 100 || c=top g=women max=100
jackets over 300 || c=jacket min=300
men black jeans under 200 || c=jeans g=men col=black max=200
grey trunks for men || c=briefs g=men col=grey
women's briefs || c=briefs g=women
blue kurta under 80 || c=kurta col=blue max=80
ethnic top for women || c=top g=women occ=ethnic
men's round neck t-shirt grey || c=tshirt g=men col=grey
summer shorts men under 100 || c=shorts g=men sea=summer max=100
multicolour dress || c=dress col=multi
brown jacket || c=jacket col=brown
navy shorts men || c=shorts g=men col=navy
skirt for women below 100 || c=skirt g=women max=100
sports capris || c=capris occ=sports
women's track pants navy || c=track_pants g=women col=navy
black shirt men || c=shirt g=men col=black
benetton t-shirt for women || c=tshirt g=women brand=United_Colors_of_Benetton
cotton shorts men || c=shorts g=men mat=cotton
pink cotton dress under 200 || c=dress col=pink mat=cotton max=200
grey t-shirt, not polyester || c=tshirt col=grey -mat=polyester
navy blue t-shirt for women || c=tshirt g=women col=navy
maroon kurta || c=kurta col=maroon
nike stuff for women under 150 || brand=Nike g=women max=150
something black for a party || col=black occ=party
i need a white formal shirt for work, slim fit, under 150 || c=shirt col=white occ=formal fit=slim max=150
looking for track pants for running, not grey || c=track_pants occ=sports -col=grey
my wife wants a summer dress, nothing too expensive, below 100 || c=dress g=women sea=summer max=100
black leggings for everyday wear under 50 || c=leggings col=black occ=casual max=50
what jeans do you have for men between 150 and 250 || c=jeans g=men min=150 max=250
any navy sweaters for men without polyester || c=sweater g=men col=navy -mat=polyester
down jacket under 500 || c=down_jacket max=500 empty
wool coat for women || c=coat g=women mat=wool empty
jeans under 20 || c=jeans max=20 empty
men's blazer || c=blazer g=men empty
red jeans for women || c=jeans g=women col=red empty
pyjamas for women || c=nightwear g=women empty
dress under 20 yuan || c=dress max=20 empty
"""

SOFT_FIELDS = {
    "col": "color",
    "mat": "material",
    "fit": "fit",
    "occ": "occasion",
    "sea": "season",
    "brand": "brand",
}


def parse_spec(spec: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], bool]:
    """(exact, partial, constraints, expect_empty) from a spec line."""
    exact: dict[str, Any] = {}
    constraints: dict[str, Any] = {}
    expect_empty = False
    for token in spec.split():
        if token == "empty":
            expect_empty = True
            continue
        key, _, raw = token.partition("=")
        values = [v.replace("_", " ") if key == "brand" else v for v in raw.split(",")]
        if key == "c":
            exact["category"] = values
            constraints["categories"] = values
        elif key == "g":
            exact["gender"] = [values[0], "unisex"]
            constraints["gender"] = values[0]
        elif key in SOFT_FIELDS:
            exact[SOFT_FIELDS[key]] = values
        elif key in ("!col", "!mat"):
            field = "color" if key == "!col" else "material"
            exact[field] = values
            constraints["colors" if field == "color" else "materials"] = values
        elif key == "-col":
            constraints["exclude_colors"] = values
        elif key == "-mat":
            constraints["exclude_materials"] = values
        elif key == "max":
            constraints["price_max"] = float(raw)
        elif key == "min":
            constraints["price_min"] = float(raw)
        elif key == "~":
            around = float(raw)
            exact["price_range"] = [round(around * (1 - AROUND), 2), round(around * (1 + AROUND), 2)]
        else:
            raise ValueError(f"unknown spec token {token!r}")
    # Partial credit: the right kind of garment (and gender) when the shopper asked for more than that.
    partial = {k: v for k, v in exact.items() if k in ("category", "gender")}
    if "category" not in partial or partial == exact:
        partial = {}
    return exact, partial, constraints, expect_empty


def build_queries() -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = []
    for lang, block in (("zh", ZH_QUERIES), ("en", EN_QUERIES)):
        lines = [line for line in block.strip().splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            text, _, spec = line.partition("||")
            exact, partial, constraints, expect_empty = parse_spec(spec)
            query: dict[str, Any] = {
                "id": f"{lang}-{number:03d}",
                "lang": lang,
                "query": text.strip(),
                "criteria": {"exact": exact, "partial": partial},
                "constraints": constraints,
            }
            if expect_empty:
                query["expect_empty"] = True
            queries.append(query)
    return queries


# ----------------------------------------------------------------------------------------- dialogues


def turn(message: str, intent: str, **expect: Any) -> dict[str, Any]:
    return {"message": message, "expect": {"intent": intent, **expect}}


MEN = {"in": ["men", "unisex"]}
WOMEN = {"in": ["women", "unisex"]}


def build_dialogues() -> list[dict[str, Any]]:
    zh = [
        [
            turn(
                "我想买件夹克",
                "search",
                filters={"categories": ["jacket"]},
                results={"all": {"category": "jacket"}},
            ),
            turn(
                "黑色的",
                "refine",
                filters={"categories": ["jacket"], "colors": ["black"]},
                results={"all": {"category": "jacket", "color": "black"}},
            ),
            turn(
                "便宜点",
                "refine",
                filters={"categories": ["jacket"], "colors": ["black"]},
                price_max_below_previous_min=True,
                results={"all": {"category": "jacket", "color": "black"}},
            ),
        ],
        [
            turn(
                "看看连衣裙",
                "search",
                filters={"categories": ["dress"]},
                results={"all": {"category": "dress"}},
            ),
            turn(
                "不要红色的",
                "refine",
                filters={"categories": ["dress"], "exclude_colors": ["red"]},
                results={"all": {"category": "dress", "color": {"not_in": ["red"]}}},
            ),
            turn(
                "200以内",
                "refine",
                filters={"categories": ["dress"], "exclude_colors": ["red"], "price_max": 200},
                results={"all": {"category": "dress", "color": {"not_in": ["red"]}, "price": {"max": 200}}},
            ),
        ],
        [
            turn(
                "男士白色T恤",
                "search",
                filters={"categories": ["tshirt"], "gender": "men", "colors": ["white"]},
                results={"all": {"category": "tshirt", "gender": MEN, "color": "white"}},
            ),
            turn(
                "换个颜色",
                "refine",
                filters={"categories": ["tshirt"], "gender": "men"},
                filters_absent=["colors"],
                results={"all": {"category": "tshirt", "gender": MEN}},
            ),
        ],
        [
            turn(
                "女士牛仔裤",
                "search",
                filters={"categories": ["jeans"], "gender": "women"},
                results={"all": {"category": "jeans", "gender": WOMEN}},
            ),
            turn(
                "要28码的",
                "refine",
                filters={"categories": ["jeans"], "gender": "women", "size_in_stock": "28"},
                results={"all": {"category": "jeans", "gender": WOMEN, "in_stock": "28"}},
            ),
        ],
        [
            turn(
                "男士卫衣",
                "search",
                filters={"categories": ["sweatshirt"], "gender": "men"},
                results={"all": {"category": "sweatshirt", "gender": MEN}},
            ),
            turn(
                "要L码",
                "refine",
                filters={"categories": ["sweatshirt"], "gender": "men", "size_in_stock": "L"},
                results={"all": {"category": "sweatshirt", "gender": MEN, "in_stock": "L"}},
            ),
            turn(
                "再看看",
                "more",
                filters={"categories": ["sweatshirt"], "gender": "men", "size_in_stock": "L"},
                new_results=True,
                results={"all": {"category": "sweatshirt", "gender": MEN, "in_stock": "L"}},
            ),
        ],
        [
            turn("我165cm 110斤", "size", profile={"height_cm": 165, "weight_kg": 55}),
            turn(
                "推荐几件连衣裙",
                "search",
                filters={"categories": ["dress"]},
                profile={"height_cm": 165, "weight_kg": 55},
                recommended_size=True,
                results={"all": {"category": "dress"}},
            ),
        ],
        [
            turn(
                "黑色运动裤",
                "search",
                filters={"categories": ["track_pants"], "colors": ["black"]},
                results={"all": {"category": "track_pants", "color": "black"}},
            ),
            turn("重新开始", "reset", filters_absent=["categories", "colors"]),
            turn(
                "看看衬衫",
                "search",
                filters={"categories": ["shirt"]},
                filters_absent=["colors"],
                results={"all": {"category": "shirt"}},
            ),
        ],
        [
            turn("你能帮我做什么", "help"),
            turn(
                "男士短裤",
                "search",
                filters={"categories": ["shorts"], "gender": "men"},
                results={"all": {"category": "shorts", "gender": MEN}},
            ),
        ],
        [
            turn("你好", "chitchat"),
            turn(
                "想买条半身裙 150以内",
                "search",
                filters={"categories": ["skirt"], "price_max": 150},
                results={"all": {"category": "skirt", "price": {"max": 150}}},
            ),
        ],
        [
            turn(
                "女士夹克 300以内",
                "search",
                filters={"categories": ["jacket"], "gender": "women", "price_max": 300},
                results={"all": {"category": "jacket", "gender": WOMEN, "price": {"max": 300}}},
            ),
            turn(
                "比较一下前两件",
                "compare",
                filters={"categories": ["jacket"], "gender": "women", "price_max": 300},
            ),
        ],
        [
            turn(
                "毛衣",
                "search",
                filters={"categories": ["sweater"]},
                results={"all": {"category": "sweater"}},
            ),
            turn(
                "不要灰色",
                "refine",
                filters={"categories": ["sweater"], "exclude_colors": ["grey"]},
                results={"all": {"category": "sweater", "color": {"not_in": ["grey"]}}},
            ),
            turn(
                "要M码",
                "refine",
                filters={"categories": ["sweater"], "exclude_colors": ["grey"], "size_in_stock": "M"},
                results={"all": {"category": "sweater", "color": {"not_in": ["grey"]}, "in_stock": "M"}},
            ),
            turn(
                "便宜点",
                "refine",
                price_max_below_previous_min=True,
                filters={"categories": ["sweater"], "exclude_colors": ["grey"], "size_in_stock": "M"},
                results={"all": {"category": "sweater", "color": {"not_in": ["grey"]}, "in_stock": "M"}},
            ),
        ],
        [
            turn(
                "给男朋友买件衬衫",
                "search",
                filters={"categories": ["shirt"], "gender": "men"},
                results={"all": {"category": "shirt", "gender": MEN}},
            ),
            turn(
                "要纯棉的",
                "refine",
                filters={"categories": ["shirt"], "gender": "men", "materials": ["cotton"]},
                results={"all": {"category": "shirt", "gender": MEN, "material": "cotton"}},
            ),
            turn(
                "蓝色",
                "refine",
                filters={
                    "categories": ["shirt"],
                    "gender": "men",
                    "materials": ["cotton"],
                    "colors": ["blue"],
                },
                results={"all": {"category": "shirt", "gender": MEN, "material": "cotton", "color": "blue"}},
            ),
        ],
        [
            turn(
                "打底裤",
                "search",
                filters={"categories": ["leggings"]},
                results={"all": {"category": "leggings"}},
            ),
            turn(
                "黑色的",
                "refine",
                filters={"categories": ["leggings"], "colors": ["black"]},
                results={"all": {"category": "leggings", "color": "black"}},
            ),
            turn(
                "再看看",
                "more",
                filters={"categories": ["leggings"], "colors": ["black"]},
                new_results=True,
                results={"all": {"category": "leggings", "color": "black"}},
            ),
        ],
        [
            turn("我一米七 60公斤", "size", profile={"height_cm": 170, "weight_kg": 60}),
            turn(
                "看看男士T恤",
                "search",
                filters={"categories": ["tshirt"], "gender": "men"},
                profile={"height_cm": 170, "weight_kg": 60},
                recommended_size=True,
                results={"all": {"category": "tshirt", "gender": MEN}},
            ),
        ],
        [
            turn(
                "运动短裤",
                "search",
                filters={"categories": ["shorts"]},
                results={"all": {"category": "shorts"}},
            ),
            turn(
                "男款",
                "refine",
                filters={"categories": ["shorts"], "gender": "men"},
                results={"all": {"category": "shorts", "gender": MEN}},
            ),
            turn(
                "不要黑色",
                "refine",
                filters={"categories": ["shorts"], "gender": "men", "exclude_colors": ["black"]},
                results={"all": {"category": "shorts", "gender": MEN, "color": {"not_in": ["black"]}}},
            ),
        ],
        [
            turn(
                "女士上衣",
                "search",
                filters={"categories": ["top"], "gender": "women"},
                results={"all": {"category": "top", "gender": WOMEN}},
            ),
            turn(
                "粉色的",
                "refine",
                filters={"categories": ["top"], "gender": "women", "colors": ["pink"]},
                results={"all": {"category": "top", "color": "pink"}},
            ),
            turn(
                "换个颜色",
                "refine",
                filters={"categories": ["top"], "gender": "women"},
                filters_absent=["colors"],
            ),
            turn(
                "50以内",
                "refine",
                filters={"categories": ["top"], "gender": "women", "price_max": 50},
                filters_absent=["colors"],
                results={"all": {"category": "top", "price": {"max": 50}}},
            ),
        ],
        [
            turn(
                "男士运动T恤 100以内",
                "search",
                filters={
                    "categories": ["tshirt"],
                    "gender": "men",
                    "occasions": ["sports"],
                    "price_max": 100,
                },
                results={"all": {"category": "tshirt", "gender": MEN, "price": {"max": 100}}},
            ),
            turn(
                "要XL码",
                "refine",
                filters={"categories": ["tshirt"], "gender": "men", "size_in_stock": "XL"},
                results={"all": {"category": "tshirt", "in_stock": "XL", "price": {"max": 100}}},
            ),
            turn(
                "再看看", "more", filters={"categories": ["tshirt"], "size_in_stock": "XL"}, new_results=True
            ),
        ],
        [
            turn(
                "女士衬衫",
                "search",
                filters={"categories": ["shirt"], "gender": "women"},
                results={"all": {"category": "shirt", "gender": WOMEN}},
            ),
            turn(
                "通勤穿的",
                "refine",
                filters={"categories": ["shirt"], "gender": "women", "occasions": ["formal"]},
                results={"all": {"category": "shirt", "occasion": "formal"}},
            ),
            turn(
                "白色",
                "refine",
                filters={
                    "categories": ["shirt"],
                    "gender": "women",
                    "occasions": ["formal"],
                    "colors": ["white"],
                },
                results={"all": {"category": "shirt", "occasion": "formal", "color": "white"}},
            ),
        ],
    ]
    en = [
        [
            turn(
                "show me jackets",
                "search",
                filters={"categories": ["jacket"]},
                results={"all": {"category": "jacket"}},
            ),
            turn(
                "black ones",
                "refine",
                filters={"categories": ["jacket"], "colors": ["black"]},
                results={"all": {"category": "jacket", "color": "black"}},
            ),
            turn(
                "cheaper",
                "refine",
                filters={"categories": ["jacket"], "colors": ["black"]},
                price_max_below_previous_min=True,
                results={"all": {"category": "jacket", "color": "black"}},
            ),
        ],
        [
            turn(
                "summer dresses",
                "search",
                filters={"categories": ["dress"], "seasons": ["summer"]},
                results={"all": {"category": "dress"}},
            ),
            turn(
                "not red",
                "refine",
                filters={"categories": ["dress"], "exclude_colors": ["red"]},
                results={"all": {"category": "dress", "color": {"not_in": ["red"]}}},
            ),
            turn(
                "under 200",
                "refine",
                filters={"categories": ["dress"], "exclude_colors": ["red"], "price_max": 200},
                results={"all": {"category": "dress", "color": {"not_in": ["red"]}, "price": {"max": 200}}},
            ),
        ],
        [
            turn(
                "white t-shirt for men",
                "search",
                filters={"categories": ["tshirt"], "gender": "men", "colors": ["white"]},
                results={"all": {"category": "tshirt", "gender": MEN, "color": "white"}},
            ),
            turn(
                "other colours",
                "refine",
                filters={"categories": ["tshirt"], "gender": "men"},
                filters_absent=["colors"],
                results={"all": {"category": "tshirt", "gender": MEN}},
            ),
            turn(
                "size L",
                "refine",
                filters={"categories": ["tshirt"], "gender": "men", "size_in_stock": "L"},
                filters_absent=["colors"],
                results={"all": {"category": "tshirt", "gender": MEN, "in_stock": "L"}},
            ),
        ],
        [
            turn(
                "women's jeans",
                "search",
                filters={"categories": ["jeans"], "gender": "women"},
                results={"all": {"category": "jeans", "gender": WOMEN}},
            ),
            turn(
                "size 30",
                "refine",
                filters={"categories": ["jeans"], "gender": "women", "size_in_stock": "30"},
                results={"all": {"category": "jeans", "gender": WOMEN, "in_stock": "30"}},
            ),
        ],
        [
            turn(
                "hoodies for men",
                "search",
                filters={"categories": ["sweatshirt"], "gender": "men"},
                results={"all": {"category": "sweatshirt", "gender": MEN}},
            ),
            turn(
                "size M",
                "refine",
                filters={"categories": ["sweatshirt"], "gender": "men", "size_in_stock": "M"},
                results={"all": {"category": "sweatshirt", "gender": MEN, "in_stock": "M"}},
            ),
            turn(
                "show more",
                "more",
                filters={"categories": ["sweatshirt"], "gender": "men", "size_in_stock": "M"},
                new_results=True,
                results={"all": {"category": "sweatshirt", "gender": MEN, "in_stock": "M"}},
            ),
        ],
        [
            turn("I'm 5'6\" 130 lbs", "size", profile={"height_cm": 167.6, "weight_kg": 59.0}),
            turn(
                "dresses please",
                "search",
                filters={"categories": ["dress"]},
                profile={"height_cm": 167.6, "weight_kg": 59.0},
                recommended_size=True,
                results={"all": {"category": "dress"}},
            ),
        ],
        [
            turn(
                "black track pants",
                "search",
                filters={"categories": ["track_pants"], "colors": ["black"]},
                results={"all": {"category": "track_pants", "color": "black"}},
            ),
            turn("start over", "reset", filters_absent=["categories", "colors"]),
            turn(
                "shirts",
                "search",
                filters={"categories": ["shirt"]},
                filters_absent=["colors"],
                results={"all": {"category": "shirt"}},
            ),
        ],
        [
            turn("what can you do?", "help"),
            turn(
                "men's shorts",
                "search",
                filters={"categories": ["shorts"], "gender": "men"},
                results={"all": {"category": "shorts", "gender": MEN}},
            ),
        ],
        [
            turn("hi there", "chitchat"),
            turn(
                "a skirt under 150",
                "search",
                filters={"categories": ["skirt"], "price_max": 150},
                results={"all": {"category": "skirt", "price": {"max": 150}}},
            ),
        ],
        [
            turn(
                "women's jackets under 300",
                "search",
                filters={"categories": ["jacket"], "gender": "women", "price_max": 300},
                results={"all": {"category": "jacket", "gender": WOMEN, "price": {"max": 300}}},
            ),
            turn(
                "compare the first two",
                "compare",
                filters={"categories": ["jacket"], "gender": "women", "price_max": 300},
            ),
        ],
        [
            turn(
                "sweaters",
                "search",
                filters={"categories": ["sweater"]},
                results={"all": {"category": "sweater"}},
            ),
            turn(
                "no grey",
                "refine",
                filters={"categories": ["sweater"], "exclude_colors": ["grey"]},
                results={"all": {"category": "sweater", "color": {"not_in": ["grey"]}}},
            ),
            turn(
                "size M",
                "refine",
                filters={"categories": ["sweater"], "exclude_colors": ["grey"], "size_in_stock": "M"},
                results={"all": {"category": "sweater", "color": {"not_in": ["grey"]}, "in_stock": "M"}},
            ),
            turn(
                "cheaper",
                "refine",
                price_max_below_previous_min=True,
                filters={"categories": ["sweater"], "exclude_colors": ["grey"], "size_in_stock": "M"},
                results={"all": {"category": "sweater", "color": {"not_in": ["grey"]}, "in_stock": "M"}},
            ),
        ],
        [
            turn(
                "a shirt for my boyfriend",
                "search",
                filters={"categories": ["shirt"], "gender": "men"},
                results={"all": {"category": "shirt", "gender": MEN}},
            ),
            turn(
                "cotton please",
                "refine",
                filters={"categories": ["shirt"], "gender": "men", "materials": ["cotton"]},
                results={"all": {"category": "shirt", "gender": MEN, "material": "cotton"}},
            ),
            turn(
                "in blue",
                "refine",
                filters={
                    "categories": ["shirt"],
                    "gender": "men",
                    "materials": ["cotton"],
                    "colors": ["blue"],
                },
                results={"all": {"category": "shirt", "gender": MEN, "material": "cotton", "color": "blue"}},
            ),
        ],
        [
            turn(
                "leggings",
                "search",
                filters={"categories": ["leggings"]},
                results={"all": {"category": "leggings"}},
            ),
            turn(
                "in black",
                "refine",
                filters={"categories": ["leggings"], "colors": ["black"]},
                results={"all": {"category": "leggings", "color": "black"}},
            ),
            turn(
                "more",
                "more",
                filters={"categories": ["leggings"], "colors": ["black"]},
                new_results=True,
                results={"all": {"category": "leggings", "color": "black"}},
            ),
        ],
        [
            turn("I'm 170 cm and 60 kg", "size", profile={"height_cm": 170, "weight_kg": 60}),
            turn(
                "men's t-shirts",
                "search",
                filters={"categories": ["tshirt"], "gender": "men"},
                profile={"height_cm": 170, "weight_kg": 60},
                recommended_size=True,
                results={"all": {"category": "tshirt", "gender": MEN}},
            ),
        ],
        [
            turn(
                "sports shorts",
                "search",
                filters={"categories": ["shorts"]},
                results={"all": {"category": "shorts"}},
            ),
            turn(
                "for men",
                "refine",
                filters={"categories": ["shorts"], "gender": "men"},
                results={"all": {"category": "shorts", "gender": MEN}},
            ),
            turn(
                "not black",
                "refine",
                filters={"categories": ["shorts"], "gender": "men", "exclude_colors": ["black"]},
                results={"all": {"category": "shorts", "gender": MEN, "color": {"not_in": ["black"]}}},
            ),
        ],
        [
            turn(
                "tops for women",
                "search",
                filters={"categories": ["top"], "gender": "women"},
                results={"all": {"category": "top", "gender": WOMEN}},
            ),
            turn(
                "pink",
                "refine",
                filters={"categories": ["top"], "gender": "women", "colors": ["pink"]},
                results={"all": {"category": "top", "color": "pink"}},
            ),
            turn(
                "a different colour",
                "refine",
                filters={"categories": ["top"], "gender": "women"},
                filters_absent=["colors"],
            ),
            turn(
                "under 50",
                "refine",
                filters={"categories": ["top"], "gender": "women", "price_max": 50},
                filters_absent=["colors"],
                results={"all": {"category": "top", "price": {"max": 50}}},
            ),
        ],
        [
            turn(
                "men's sports tee under 100",
                "search",
                filters={
                    "categories": ["tshirt"],
                    "gender": "men",
                    "occasions": ["sports"],
                    "price_max": 100,
                },
                results={"all": {"category": "tshirt", "gender": MEN, "price": {"max": 100}}},
            ),
            turn(
                "XL",
                "refine",
                filters={"categories": ["tshirt"], "gender": "men", "size_in_stock": "XL"},
                results={"all": {"category": "tshirt", "in_stock": "XL", "price": {"max": 100}}},
            ),
            turn(
                "show me more",
                "more",
                filters={"categories": ["tshirt"], "size_in_stock": "XL"},
                new_results=True,
            ),
        ],
        [
            turn(
                "women's shirts",
                "search",
                filters={"categories": ["shirt"], "gender": "women"},
                results={"all": {"category": "shirt", "gender": WOMEN}},
            ),
            turn(
                "for the office",
                "refine",
                filters={"categories": ["shirt"], "gender": "women", "occasions": ["formal"]},
                results={"all": {"category": "shirt", "occasion": "formal"}},
            ),
            turn(
                "in white",
                "refine",
                filters={
                    "categories": ["shirt"],
                    "gender": "women",
                    "occasions": ["formal"],
                    "colors": ["white"],
                },
                results={"all": {"category": "shirt", "occasion": "formal", "color": "white"}},
            ),
        ],
    ]
    dialogues: list[dict[str, Any]] = []
    for lang, scripted in (("zh", zh), ("en", en)):
        for number, turns in enumerate(scripted, start=1):
            dialogues.append({"id": f"dlg-{lang}-{number:02d}", "lang": lang, "turns": turns})
    return dialogues


# ----------------------------------------------------------------------------------------- checks

# Filters fields whose values are canonical taxonomy names.
FILTER_VOCABULARY = {
    "categories": "category", "gender": "gender", "colors": "color", "exclude_colors": "color",
    "materials": "material", "exclude_materials": "material", "seasons": "season", "occasions": "occasion",
}  # fmt: skip
INTENTS = {"search", "refine", "size", "compare", "product_question", "more", "reset", "help", "chitchat"}
PAGE = 10  # a "show more" turn needs more than one page of matches


def load_products(path: Path = PRODUCTS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def check(
    queries: list[dict[str, Any]], dialogues: list[dict[str, Any]], products: list[dict[str, str]]
) -> list[str]:
    """Every problem found; empty when the set is consistent with the catalog."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from catalog import taxonomy
    from guide.filters import Filters

    filter_fields = {f.name for f in fields(Filters)}
    canonical = {field: {t.name for t in terms} for field, terms in taxonomy.TERMS.items()}
    canonical["fit"] = {"slim", "regular", "loose"}
    problems: list[str] = []
    by_category: dict[str, list[dict[str, str]]] = {}
    for product in products:
        by_category.setdefault(product["category"], []).append(product)
    for query in queries:
        # Only products in the allowed categories can reach grade 2; skipping the rest keeps this fast.
        allowed = query["constraints"].get("categories")
        pool = [p for c in allowed for p in by_category.get(c, [])] if allowed else products
        exact = sum(judge(p, query) == 2 for p in pool)
        if query.get("expect_empty") and exact:
            problems.append(f"{query['id']} is marked impossible but has {exact} exact products")
        if not query.get("expect_empty") and not exact:
            problems.append(f"{query['id']} {query['query']!r} has no exact product")
        for field, values in query["criteria"]["exact"].items():
            if field in canonical and not set(values) <= canonical[field]:
                problems.append(f"{query['id']} uses non-canonical {field} {values}")
    for dialogue in dialogues:
        for index, step in enumerate(dialogue["turns"], start=1):
            expect = step["expect"]
            where = f"{dialogue['id']} turn {index}"
            if expect["intent"] not in INTENTS:
                problems.append(f"{where}: unknown intent {expect['intent']}")
            for key in (*expect.get("filters", {}), *expect.get("filters_absent", [])):
                if key not in filter_fields:
                    problems.append(f"{where}: {key} is not a Filters field")
            for key, value in expect.get("filters", {}).items():
                field = FILTER_VOCABULARY.get(key)
                values = value if isinstance(value, list) else [value]
                if field and not set(values) <= canonical[field]:
                    problems.append(f"{where}: {key} {values} are not canonical {field} names")
            condition = expect.get("results", {}).get("all")
            if condition:
                count = sum(satisfies(p, condition) for p in products)
                needed = PAGE + 1 if any(t["expect"]["intent"] == "more" for t in dialogue["turns"]) else 1
                if count < needed:
                    problems.append(f"{where}: only {count} products satisfy {condition}")
    return problems


def summary(
    queries: list[dict[str, Any]], dialogues: list[dict[str, Any]], products: list[dict[str, str]]
) -> str:
    langs = {lang: sum(q["lang"] == lang for q in queries) for lang in ("zh", "en")}
    constrained = sum(bool(q["constraints"]) for q in queries)
    empty = sum(bool(q.get("expect_empty")) for q in queries)
    exact_counts = sorted(
        sum(judge(p, q) == 2 for p in products) for q in queries if not q.get("expect_empty")
    )
    median = exact_counts[len(exact_counts) // 2]
    turns = sum(len(d["turns"]) for d in dialogues)
    return (
        f"{len(queries)} queries ({langs['zh']} zh, {langs['en']} en), {constrained} with hard constraints, "
        f"{empty} expect_empty; exact products per query: min {exact_counts[0]}, median {median}, "
        f"max {exact_counts[-1]}. {len(dialogues)} dialogues, {turns} turns."
    )


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate against the catalog, write nothing")
    args = parser.parse_args()
    queries, dialogues, products = build_queries(), build_dialogues(), load_products()
    problems = check(queries, dialogues, products)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(1)
    if not args.check:
        OUT.mkdir(parents=True, exist_ok=True)
        write_jsonl(OUT / "guide_queries.jsonl", queries)
        write_jsonl(OUT / "guide_dialogues.jsonl", dialogues)
    print(summary(queries, dialogues, products))


if __name__ == "__main__":
    main()
