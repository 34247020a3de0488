"""The body model: from height, weight (and age) to a full set of body measurements with uncertainty.

Per sex, a linear model on height, weight, BMI, age, log age and an age x BMI interaction predicts each
dimension (scikit-learn LinearRegression; the coefficients are kept as arrays for sub-millisecond
inference). Its out-of-fold residuals (what the model gets wrong on people it has not seen) give

* a heteroscedastic standard deviation per dimension (log |residual| regressed on BMI, age, height),
* the 10%/90% quantiles of the standardised residuals (the reported 80% interval), and
* the correlation of the standardised residuals, used for Gaussian conditioning: measured values
  override the estimate and move the unmeasured dimensions (a 95 cm chest implies a larger waist
  than the height/weight average), and a reference garment ("I wear M in brand X") is a noisy
  observation of the girth its chart row covers.

ANSUR II is a young military sample; ``fit_population_correction`` learns how NHANES adults' waists
differ from the ANSUR prediction by age and BMI, and ``population="general"`` (the default at
serving time) applies that shift and widens the waist uncertainty accordingly.

Waist level: ANSUR measures the waist at the navel (omphalion). Size charts and GB/T 1335 body types use
the natural waist (the narrowest point), which for women sits higher and is smaller. At the same bust,
women's charts quote a waist 16 cm below it (GB/T 1335.2 A type; the H&M and Koton women's tables
agree), ANSUR women's navel waist is only 8.6 cm below their chest on average; for men the charts' 12 cm
(H&M, Arket; GB/T 1335.1 A type spans 12-16) matches ANSUR's 11.8 cm. ``fit`` learns the difference per
sex as ``chart_waist_offset_`` and the served estimate (``population="general"``) reports the natural
waist. ``population="nhanes"`` is the NHANES-corrected waist at NHANES's own level (checked against
NHANES), and ``population="ansur"`` keeps ANSUR's navel waist for evaluation against ANSUR.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LinearRegression

from fitguide.errors import NotReady

DIMENSIONS: tuple[str, ...] = ("chest", "waist", "hip", "shoulder", "neck", "sleeve", "inseam")
SEXES: tuple[str, ...] = ("male", "female")
DEFAULT_AGE = 35.0  # median adult shopper when age is not given
TAPE_SD_CM = 0.5  # self-measured girths and lengths
# Shift/scale correction features for the NHANES waist correction: [1, age, age^2, bmi, age*bmi].
_N_CORRECTION = 5
_LOG_ABS_NORMAL_MEAN = -0.6351814  # E[log |Z|] for a standard normal Z
# Chest minus natural waist of the typical body in size-chart conventions (see the module docstring).
CHART_WAIST_DROP_CM = {"male": 12.0, "female": 16.0}


def design_matrix(height_cm: np.ndarray, weight_kg: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Mean-model features: height, weight, BMI, age, log age, age x BMI (no intercept column)."""
    bmi = weight_kg / (height_cm / 100.0) ** 2
    return np.column_stack([height_cm, weight_kg, bmi, age, np.log(age), age * bmi / 100.0])


def _scale_matrix(height_cm: np.ndarray, weight_kg: np.ndarray, age: np.ndarray) -> np.ndarray:
    bmi = weight_kg / (height_cm / 100.0) ** 2
    return np.column_stack([np.ones_like(bmi), bmi, age, height_cm])


def _correction_matrix(height_cm: np.ndarray, weight_kg: np.ndarray, age: np.ndarray) -> np.ndarray:
    bmi = weight_kg / (height_cm / 100.0) ** 2
    return np.column_stack([np.ones_like(bmi), age / 10, (age / 10) ** 2, bmi, age * bmi / 100.0])


@dataclass(frozen=True)
class BodyEstimate:
    """Means and standard deviations (cm) of every dimension, with their full covariance."""

    sex: str
    mean: np.ndarray  # (D,)
    cov: np.ndarray  # (D, D)
    low: np.ndarray  # 10% quantile
    high: np.ndarray  # 90% quantile
    measured: frozenset[str] = frozenset()

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    def value(self, dimension: str) -> float:
        return float(self.mean[DIMENSIONS.index(dimension)])


class BodyModel(BaseEstimator):
    """Per-sex body-measurement estimator (scikit-learn estimator contract).

    ``fit(frame)`` takes columns sex, height_cm, weight_kg, age and every name in DIMENSIONS.
    """

    def __init__(
        self, interval: float = 0.8, min_sd_cm: float = 0.5, cv_folds: int = 5, random_state: int = 0
    ):
        self.interval = interval
        self.min_sd_cm = min_sd_cm
        self.cv_folds = cv_folds
        self.random_state = random_state

    def fit(self, frame: pd.DataFrame, y: object = None) -> BodyModel:
        self.dimensions_ = DIMENSIONS
        self.coef_: dict[str, np.ndarray] = {}
        self.intercept_: dict[str, np.ndarray] = {}
        self.scale_coef_: dict[str, np.ndarray] = {}
        self.z_quantiles_: dict[str, np.ndarray] = {}
        self.corr_: dict[str, np.ndarray] = {}
        self.feature_ranges_: dict[str, dict[str, tuple[float, float]]] = {}
        # No population correction until fit_population_correction is called.
        self.waist_correction_: dict[str, np.ndarray] = {s: np.zeros(_N_CORRECTION) for s in SEXES}
        self.waist_sd_scale_: dict[str, float] = {s: 1.0 for s in SEXES}
        self.chart_waist_offset_: dict[str, float] = {}
        tail = (1.0 - self.interval) / 2.0
        for sex in SEXES:
            rows = frame[frame["sex"] == sex]
            h, w, a = (rows[c].to_numpy(float) for c in ("height_cm", "weight_kg", "age"))
            targets = rows[list(DIMENSIONS)].to_numpy(float)
            navel_drop = float((rows["chest"] - rows["waist"]).mean())
            self.chart_waist_offset_[sex] = max(0.0, CHART_WAIST_DROP_CM[sex] - navel_drop)
            features = design_matrix(h, w, a)
            regression = LinearRegression().fit(features, targets)
            self.coef_[sex] = regression.coef_.T.copy()  # (F, D)
            self.intercept_[sex] = regression.intercept_.copy()
            # The uncertainty is what the model gets wrong on people it was not fitted on.
            residuals = targets - _out_of_fold_predictions(
                features, targets, self.cv_folds, self.random_state
            )
            scale_features = _scale_matrix(h, w, a)
            log_abs = np.log(np.abs(residuals) + 1e-3)
            scale_coef, *_ = np.linalg.lstsq(scale_features, log_abs, rcond=None)
            scale_coef[0] -= _LOG_ABS_NORMAL_MEAN
            sd = np.maximum(np.exp(scale_features @ scale_coef), self.min_sd_cm)
            standardised = residuals / sd
            # Rescale so standardised residuals have unit variance (log-|r| regression is biased for
            # heavy tails).
            spread = standardised.std(axis=0)
            scale_coef[0] += np.log(spread)
            standardised /= spread
            self.scale_coef_[sex] = scale_coef
            self.z_quantiles_[sex] = np.quantile(standardised, [tail, 1.0 - tail], axis=0)
            self.corr_[sex] = np.corrcoef(standardised, rowvar=False)
            self.feature_ranges_[sex] = {
                "height_cm": (float(h.min()), float(h.max())),
                "weight_kg": (float(w.min()), float(w.max())),
                "age": (float(a.min()), float(a.max())),
            }
        return self

    def fit_population_correction(self, predictions_frame: pd.DataFrame) -> dict[str, dict[str, float]]:
        """Learn the NHANES waist shift by age and BMI (columns sex, height_cm, weight_kg, age, waist).

        Returns per-sex residual standard deviation before and after, for the training report.
        """
        summary: dict[str, dict[str, float]] = {}
        waist_index = DIMENSIONS.index("waist")
        for sex in SEXES:
            rows = predictions_frame[predictions_frame["sex"] == sex]
            h, w, a = (rows[c].to_numpy(float) for c in ("height_cm", "weight_kg", "age"))
            mean, sd = self._moments(sex, h, w, a, population="ansur")
            residual = rows["waist"].to_numpy(float) - mean[:, waist_index]
            correction_features = _correction_matrix(h, w, a)
            coef, *_ = np.linalg.lstsq(correction_features, residual, rcond=None)
            corrected = residual - correction_features @ coef
            self.waist_correction_[sex] = coef
            self.waist_sd_scale_[sex] = float(np.sqrt(np.mean((corrected / sd[:, waist_index]) ** 2)))
            summary[sex] = {
                "residual_sd_before": float(residual.std()),
                "residual_sd_after": float(corrected.std()),
            }
        return summary

    def _moments(
        self, sex: str, h: np.ndarray, w: np.ndarray, a: np.ndarray, population: str = "general"
    ) -> tuple[np.ndarray, np.ndarray]:
        mean = design_matrix(h, w, a) @ self.coef_[sex] + self.intercept_[sex]
        sd = np.maximum(np.exp(_scale_matrix(h, w, a) @ self.scale_coef_[sex]), self.min_sd_cm)
        if population in ("general", "nhanes"):
            waist_index = DIMENSIONS.index("waist")
            mean[:, waist_index] += _correction_matrix(h, w, a) @ self.waist_correction_[sex]
            sd[:, waist_index] *= self.waist_sd_scale_[sex]
            if population == "general":
                mean[:, waist_index] -= self.chart_waist_offset_[sex]
        return mean, sd

    def predict_moments(
        self, frame: pd.DataFrame, population: str = "general"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised means and sds (n, D) for a frame with sex, height_cm, weight_kg and optional age."""
        n = len(frame)
        mean, sd = np.empty((n, len(DIMENSIONS))), np.empty((n, len(DIMENSIONS)))
        ages = frame["age"].to_numpy(float) if "age" in frame else np.full(n, DEFAULT_AGE)
        ages = np.where(np.isnan(ages), DEFAULT_AGE, ages)
        sexes = frame["sex"].to_numpy()
        for sex in SEXES:
            mask = sexes == sex
            if mask.any():
                mean[mask], sd[mask] = self._moments(
                    sex,
                    frame["height_cm"].to_numpy(float)[mask],
                    frame["weight_kg"].to_numpy(float)[mask],
                    ages[mask],
                    population,
                )
        return mean, sd

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Point estimates (n, D) in cm for the general population."""
        return self.predict_moments(frame)[0]

    def estimate(
        self,
        sex: str,
        height_cm: float,
        weight_kg: float,
        age: float | None = None,
        measured: Mapping[str, float] | None = None,
        observations: Mapping[str, tuple[float, float]] | None = None,
        population: str = "general",
    ) -> BodyEstimate:
        """One shopper: estimate, then condition on measured values and noisy observations.

        ``measured`` maps dimension -> cm (overrides the estimate; 0.5 cm tape sd); ``observations``
        maps dimension -> (cm, sd) for indirect evidence such as a reference garment or a bra size.
        """
        age_value = DEFAULT_AGE if age is None else float(age)
        mean, sd = self._moments(
            sex, np.array([height_cm], float), np.array([weight_kg], float), np.array([age_value]), population
        )
        mean_vector, sd_vector = mean[0], sd[0]
        cov = self.corr_[sex] * np.outer(sd_vector, sd_vector)
        evidence: dict[int, tuple[float, float]] = {}
        for dimension, (value, noise_sd) in (observations or {}).items():
            evidence[DIMENSIONS.index(dimension)] = (float(value), float(noise_sd))
        measured_index = [DIMENSIONS.index(d) for d in (measured or {})]
        for dimension, value in (measured or {}).items():
            evidence[DIMENSIONS.index(dimension)] = (float(value), 1e-3)
        if evidence:
            mean_vector, cov = condition_gaussian(mean_vector, cov, evidence)
        # Measured values override the estimate exactly; they keep a tape-measure uncertainty.
        for index in measured_index:
            mean_vector[index] = float(evidence[index][0])
            cov[index, index] += TAPE_SD_CM**2
        post_sd = np.sqrt(np.clip(np.diag(cov), 1e-6, None))
        low_z, high_z = self.z_quantiles_[sex]
        measured_names = frozenset(measured or {})
        return BodyEstimate(
            sex=sex,
            mean=mean_vector,
            cov=cov,
            low=mean_vector + low_z * post_sd,
            high=mean_vector + high_z * post_sd,
            measured=measured_names,
        )


def _out_of_fold_predictions(features: np.ndarray, targets: np.ndarray, folds: int, seed: int) -> np.ndarray:
    fold_of = np.random.default_rng(seed).permutation(len(features)) % folds
    predictions = np.empty_like(targets)
    for fold in range(folds):
        held_out = fold_of == fold
        regression = LinearRegression().fit(features[~held_out], targets[~held_out])
        predictions[held_out] = regression.predict(features[held_out])
    return predictions


def condition_gaussian(
    mean: np.ndarray, cov: np.ndarray, evidence: Mapping[int, tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior of a Gaussian after noisy observations ``index -> (value, noise sd)`` of some dimensions."""
    observed = np.array(sorted(evidence))
    values = np.array([evidence[i][0] for i in observed])
    noise = np.diag([evidence[i][1] ** 2 for i in observed])
    cov_all_obs = cov[:, observed]
    gain = cov_all_obs @ np.linalg.inv(cov[np.ix_(observed, observed)] + noise)
    new_mean = mean + gain @ (values - mean[observed])
    new_cov = cov - gain @ cov_all_obs.T
    return new_mean, (new_cov + new_cov.T) / 2.0


MODEL_NAME = "body_model_v3"


def model_paths(data_dir: Path) -> tuple[Path, Path]:
    """(joblib artefact, JSON metadata) of the shipped body model under a data directory."""
    folder = data_dir / "models"
    return folder / f"{MODEL_NAME}.joblib", folder / f"{MODEL_NAME}.json"


def load_body_model(data_dir: Path) -> BodyModel:
    """The trained body model shipped in ``data/models`` (rebuilt by scripts/train_body_model.py)."""
    import joblib

    artefact, _ = model_paths(data_dir)
    if not artefact.exists():
        raise NotReady(
            f"Body model artefact {artefact} is missing; run scripts/train_body_model.py",
            f"缺少体型模型文件 {artefact}，请运行 scripts/train_body_model.py",
            code="model_missing",
        )
    model = joblib.load(artefact)
    if not isinstance(model, BodyModel):
        raise NotReady(f"{artefact} is not a BodyModel", f"{artefact} 不是体型模型", code="model_invalid")
    return model
