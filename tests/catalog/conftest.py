"""Small upload fixtures shared by the catalog tests."""

from __future__ import annotations

import csv
import io
from typing import Any

CHARTS_CSV = (
    "chart_id,name,brand,category,gender,kind,fit,stretch,size,chest_cm,waist_cm,hip_cm\n"
    "tops-m,Tops men,Acme,tshirt,men,body,regular,0.2,S,84-88,70-74,86-90\n"
    "tops-m,Tops men,Acme,tshirt,men,body,regular,0.2,M,88-92,74-78,90-94\n"
    "tops-m,Tops men,Acme,tshirt,men,body,regular,0.2,L,92-96,78-82,94-98\n"
    "jeans-w,Jeans women,Acme,jeans,women,garment,slim,high,28,,72,92\n"
    "jeans-w,Jeans women,Acme,jeans,women,garment,slim,high,30,,77,97\n"
)

PRODUCTS_CSV = (
    "sku,title,title_zh,brand,category,gender,color,price,currency,sizes,stock,size_chart,image_url\n"
    "TEE-1,Basic tee,基础T恤,Acme,T-shirt,men,Black,199,CNY,S|M|L,S:3|M:0|L:5,tops-m,https://img.test/1.jpg\n"
    "TEE-2,Striped tee,条纹T恤,Acme,tshirts,men,navy blue,¥159.00,,S|M,,tops-m,\n"
    'JEAN-1,Slim jeans,修身牛仔裤,Acme,jeans,women,blue,"1,299",CNY,28|30,28:1|30:2,jeans-w,\n'
)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """A one-sheet workbook built in memory; a string starting with '=' becomes a formula cell."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.strip())))
