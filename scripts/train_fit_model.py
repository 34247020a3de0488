"""Rebuild data/models/fit_rtr_v1.joblib (+ fit_rtr_v1.json metadata) from RentTheRunway.

The artefact is the fit-prediction model evaluated by ``sizing.eval_rtr`` trained on all rows: item, item-size
and renter statistics (``FitFeatures`` tables), the latent-size model (``LatentFitModel``) and the
gradient-boosting classifiers (two seeds, averaged) trained on out-of-fold features. Load it with joblib and
call ``bundle["classifier"].predict_proba(bundle["features"].transform(rows))`` (classes too_large, kept,
too_small). Its metadata records the data checksum, parameters,
feature list and the latent model's learned global terms (noise scale, size-gap coefficient), which are the
RTR-calibrated priors behind ``LatentFitModel``'s defaults.

    python scripts/train_fit_model.py [--data PATH] [--out data/models]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fitguide.settings import REPO_ROOT
from sizing.eval_rtr import (
    DATA_PATH,
    ENSEMBLE_SEEDS,
    HGB_PARAMS,
    LATENT_PARAMS,
    FitFeatures,
    _labels,
    fit_classifier,
    load_rtr,
    out_of_fold_features,
)

VERSION = "fit_rtr_v1"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA_PATH)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "models")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads for the boosting.")
    args = parser.parse_args()

    started = time.perf_counter()
    frame = load_rtr(args.data)
    labels = _labels(frame)
    prior = np.bincount(labels, minlength=3) / len(labels)
    with threadpool_limits(limits=args.threads):
        x_train = out_of_fold_features(frame, latent=True)
        features = FitFeatures(latent=True).fit(frame)
        classifier = fit_classifier(x_train, labels, prior, seeds=ENSEMBLE_SEEDS)
    # Compact tables: float32 is ample for rates and sizes.
    for name, table in features.tables.items():
        features.tables[name] = table.astype("float32")
    latent = features.model
    assert latent is not None

    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / f"{VERSION}.joblib"
    joblib.dump(
        {
            "features": features,
            "classifier": classifier,
            "columns": list(x_train.columns),
            "prior": prior,
            "decision_prior_power": classifier.decision_prior_power,
        },
        model_path,
        compress=3,
    )
    metadata = {
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "script": "scripts/train_fit_model.py",
        "data": {"path": str(args.data.name), "sha256": _sha256(args.data), "rows": len(frame)},
        "classes": ["too_large", "kept", "too_small"],
        "class_prior": [round(float(p), 4) for p in prior],
        "decision_prior_power": classifier.decision_prior_power,
        "hgb_params": HGB_PARAMS,
        "hgb_seeds": list(ENSEMBLE_SEEDS),
        "hgb_iterations": [int(model.n_iter_) for model in classifier.models],
        "latent_params": LATENT_PARAMS,
        "latent_learned": {
            "noise_scale_steps": latent.noise_scale_,
            "global_offset_steps": latent.global_offset_,
            "size_gap_coef": latent.gap_coef_,
            "items": len(latent.product_table_),
        },
        "features": list(x_train.columns),
        "evaluation": "reports/sizing/rtr.json (sizing.eval_rtr.run / fitguide eval sizing)",
        "bytes": model_path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (args.out / f"{VERSION}.json").write_text(json.dumps(metadata, indent=2) + "\n")
    print(json.dumps({key: metadata[key] for key in ("version", "bytes", "seconds", "hgb_iterations")}))


if __name__ == "__main__":
    main()
