"""Readers for the anthropometric surveys the body model learns from (ANSUR II) and is checked on (NHANES).

ANSUR II quirks handled here: millimetres for body dimensions, ``weightkg`` in tenths of a kg,
latin-1 encoding, CRLF line endings in the male file, ``subjectid`` (male) vs ``SubjectId`` (female).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_ANSUR_DIR = Path("/work/shared/datasets/ansur2")
DEFAULT_NHANES_CSV = Path(
    "/work/shared/datasets/nhanes_2015_2016_body_measures/nhanes_2015_2016_bmx_demo.csv"
)

# Body-model dimension -> ANSUR column. Shoulder is the biacromial breadth (acromion to acromion), the
# body measurement behind a garment's shoulder-seam-to-seam width; shouldercircumference is a girth
# over the deltoids that no size chart lists.
ANSUR_COLUMNS: dict[str, str] = {
    "chest": "chestcircumference",
    "waist": "waistcircumference",
    "hip": "buttockcircumference",
    "shoulder": "biacromialbreadth",
    "neck": "neckcircumferencebase",
    "sleeve": "sleeveoutseam",
    "inseam": "crotchheight",
}
SPLIT_SEED = 20240611
TEST_FRACTION = 0.2


def load_ansur(directory: Path = DEFAULT_ANSUR_DIR) -> pd.DataFrame:
    """Both ANSUR II files as one frame in cm/kg: subject_id, sex, age, height_cm, weight_kg, dimensions."""
    frames = []
    for sex, name in (("male", "ANSUR_II_MALE_Public.csv"), ("female", "ANSUR_II_FEMALE_Public.csv")):
        raw = pd.read_csv(directory / name, encoding="latin-1")
        raw.columns = [column.strip() for column in raw.columns]
        id_column = "subjectid" if "subjectid" in raw.columns else "SubjectId"
        frame = pd.DataFrame(
            {
                "subject_id": raw[id_column].astype(int).map(lambda v, s=sex: f"{s[0]}{v}"),
                "sex": sex,
                "age": raw["Age"].astype(float),
                "height_cm": raw["stature"].astype(float) / 10.0,
                "weight_kg": raw["weightkg"].astype(float) / 10.0,
            }
        )
        for dimension, column in ANSUR_COLUMNS.items():
            frame[dimension] = raw[column].astype(float) / 10.0
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def split_ansur(frame: pd.DataFrame, seed: int = SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fixed-seed per-sex split into (train, held-out test) people."""
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(frame), dtype=bool)
    for sex in ("male", "female"):
        index = np.flatnonzero(frame["sex"].to_numpy() == sex)
        chosen = rng.choice(index, size=round(len(index) * TEST_FRACTION), replace=False)
        test_mask[chosen] = True
    return frame[~test_mask].reset_index(drop=True), frame[test_mask].reset_index(drop=True)


def load_nhanes(path: Path = DEFAULT_NHANES_CSV) -> pd.DataFrame:
    """NHANES 2015-16 adults (18+) with height, weight and waist: sex, age, height_cm, weight_kg, waist."""
    raw = pd.read_csv(path)
    frame = pd.DataFrame(
        {
            "sex": raw["RIAGENDR"].map({1: "male", 2: "female"}),
            "age": raw["RIDAGEYR"].astype(float),
            "height_cm": raw["BMXHT"],
            "weight_kg": raw["BMXWT"],
            "waist": raw["BMXWAIST"],
        }
    )
    frame = frame[frame["age"] >= 18].dropna()
    return frame.reset_index(drop=True)
