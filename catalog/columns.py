"""Which upload column means which field: canonical English names, Chinese headers and variants.

Header matching ignores case, spaces, underscores, hyphens and full-width forms, so ``Title``,
``TITLE ZH``, ``title_zh`` and ``标题`` all resolve. Extra product data goes into
``product.attributes`` through an ``attr_<name>`` or ``attr:<name>`` column; any other unknown
column is reported, never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PRODUCT_FIELDS: dict[str, tuple[str, ...]] = {
    "sku": (
        "sku",
        "skuid",
        "货号",
        "商品货号",
        "商品编码",
        "款号",
        "商家编码",
        "编码",
        "itemcode",
        "productid",
    ),
    "title": (
        "title",
        "name",
        "productname",
        "producttitle",
        "englishtitle",
        "titleen",
        "标题",
        "商品名称",
        "商品标题",
        "名称",
        "英文标题",
        "英文名称",
    ),
    "title_zh": ("titlezh", "chinesetitle", "titlecn", "namezh", "中文标题", "中文名称", "中文名"),
    "description": ("description", "desc", "details", "描述", "商品描述", "详情", "商品详情"),
    "brand": ("brand", "品牌"),
    "category": ("category", "type", "articletype", "类目", "品类", "分类", "类别", "商品类目"),
    "gender": ("gender", "sex", "性别", "适用性别"),
    "color": ("color", "colour", "颜色", "色彩"),
    "material": ("material", "fabric", "材质", "面料", "成分"),
    "season": ("season", "季节", "适用季节"),
    "occasion": ("occasion", "usage", "场合", "适用场合", "用途"),
    "price": ("price", "售价", "价格", "单价", "销售价"),
    "currency": ("currency", "币种", "货币"),
    "sizes": ("sizes", "size", "尺码", "尺寸"),
    "stock": ("stock", "inventory", "qty", "quantity", "库存", "库存数量"),
    "size_chart": ("sizechart", "sizechartid", "chartid", "chart", "尺码表", "尺码表id", "尺码表编号"),
    "image_url": ("imageurl", "image", "img", "imagelink", "图片", "图片链接", "主图", "图片地址"),
    "url": ("url", "link", "producturl", "链接", "商品链接", "网址"),
}

CHART_FIELDS: dict[str, tuple[str, ...]] = {
    "chart_id": ("chartid", "sizechart", "sizechartid", "chart", "尺码表", "尺码表id", "尺码表编号"),
    "name": ("name", "chartname", "名称", "尺码表名称"),
    "brand": ("brand", "品牌"),
    "category": ("category", "类目", "品类", "分类", "类别"),
    "gender": ("gender", "sex", "性别"),
    "kind": ("kind", "charttype", "类型", "尺码表类型"),
    "fit": ("fit", "版型"),
    "stretch": ("stretch", "弹性", "弹力"),
    "unit": ("unit", "units", "单位"),
    "size": ("size", "sizelabel", "label", "尺码", "号型", "尺寸"),
}

# Dimension keys stored in chart rows (cm, weight in kg).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "chest": ("chest", "bust", "chestgirth", "胸围"),
    "waist": ("waist", "腰围"),
    "hip": ("hip", "hips", "seat", "臀围"),
    "shoulder": ("shoulder", "shoulders", "shoulderwidth", "肩宽"),
    "length": ("length", "bodylength", "garmentlength", "衣长", "长度", "裙长", "裤长", "总长"),
    "sleeve": ("sleeve", "sleevelength", "袖长"),
    "inseam": ("inseam", "insideleg", "内长", "内侧长", "内缝长"),
    "height": ("height", "身高"),
    "weight": ("weight", "体重"),
    "neck": ("neck", "collar", "领围"),
}

# Chinese names of the dimensions for zh messages (the English message uses the key itself).
DIMENSION_NAMES_ZH: dict[str, str] = {
    "chest": "胸围",
    "waist": "腰围",
    "hip": "臀围",
    "shoulder": "肩宽",
    "length": "衣长",
    "sleeve": "袖长",
    "inseam": "内长",
    "height": "身高",
    "weight": "体重",
    "neck": "领围",
}

# Unit suffixes a measurement header may carry, longest first so 'inches' wins over 'in'.
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("inches", "in"),
    ("inch", "in"),
    ("英寸", "in"),
    ("in", "in"),
    ('"', "in"),
    ("厘米", "cm"),
    ("cm", "cm"),
    ("公分", "cm"),
    ("公斤", "kg"),
    ("千克", "kg"),
    ("kg", "kg"),
    ("lbs", "lb"),
    ("lb", "lb"),
    ("磅", "lb"),
    ("斤", "jin"),
)

ATTRIBUTE_PREFIX = re.compile(r"^\s*attr\s*[_:：]\s*(.+)$", re.IGNORECASE)


def header_key(header: str) -> str:
    """'Title ZH' / 'title_zh' / 'TITLE-zh' -> 'titlezh'; full-width brackets fold to ASCII."""
    text = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s_\-\.]+", "", text)


def _lookup(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name, aliases in fields.items():
        for alias in (name, *aliases):
            table.setdefault(header_key(alias), name)
    return table


_PRODUCT_LOOKUP = _lookup(PRODUCT_FIELDS)
_CHART_LOOKUP = _lookup(CHART_FIELDS)
_DIMENSION_LOOKUP = _lookup(DIMENSIONS)


@dataclass(frozen=True)
class MeasurementColumn:
    dimension: str
    unit: str | None  # 'cm', 'in', 'kg', 'lb', 'jin', or None when the header does not say


def product_field(header: str) -> str | None:
    return _PRODUCT_LOOKUP.get(header_key(header))


def attribute_name(header: str) -> str | None:
    match = ATTRIBUTE_PREFIX.match(header)
    return match.group(1).strip() if match else None


def chart_field(header: str) -> str | None:
    return _CHART_LOOKUP.get(header_key(header))


def measurement_column(header: str) -> MeasurementColumn | None:
    """'chest_cm' / '胸围(inch)' / 'Bust' / '体重(斤)' -> dimension and unit."""
    key = header_key(header)
    key = re.sub(r"[()\[\]（）【】/]", "", key)
    if key in _DIMENSION_LOOKUP:
        return MeasurementColumn(_DIMENSION_LOOKUP[key], None)
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in _DIMENSION_LOOKUP:
            return MeasurementColumn(_DIMENSION_LOOKUP[key[: -len(suffix)]], unit)
    return None
