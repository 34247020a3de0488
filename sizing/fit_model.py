"""How each product runs relative to its size chart, learned from fit outcomes (kept / too small / too large).

A latent-size model in the spirit of Sembium et al. 2017 ("Recommending product sizes to customers") and
Misra et al. 2018 ("Decomposing fit semantics for product size recommendation in metric spaces"):

    f_i = mu + a[category] + b[brand] + d[product] + beta * size_gap_i + u[customer]

``f_i`` is, in size steps, how much larger than the bought size the shopper's true size in this product is.
A product that runs small has a positive offset ``mu + a + b + d``: its buyers needed to go up.
Outcomes follow an ordinal logistic model with thresholds at half a size step, which fixes the scale so
that offsets read directly as size steps:

    P(too_small) = sigmoid((f - 1/2) / s),   P(too_large) = sigmoid((-f - 1/2) / s)

The effects have Gaussian priors (partial pooling): a product with few outcomes is shrunk towards its brand,
the brand towards the category and the category towards the global offset. Everything is fitted jointly by
MAP (block Fisher scoring); per-product uncertainty comes from a diagonal Laplace approximation
that adds the parent groups' uncertainty, so thin evidence gives wide intervals.

``size_gap`` is an optional prior guess of (shopper's true size - bought size) in steps, e.g. from the body
model or from the shopper's usual size; ``customer`` optionally adds a per-shopper latent size (RTR).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin

# Ordered from "garment too large" to "garment too small"; codes -1, 0, +1 along the latent axis.
OUTCOMES: tuple[str, ...] = ("too_large", "kept", "too_small")
_OUTCOME_CODE = {name: code for code, name in enumerate(OUTCOMES, start=-1)}
_HALF_STEP = 0.5
# One-sided z for an 80% central interval.
_Z80 = 1.2815515655446004
_GROUPS = ("category", "brand", "product", "customer")


@dataclass(frozen=True)
class ProductFit:
    """The posterior of one product's offset in size steps (positive: runs small, go up)."""

    product: str
    offset: float
    sd: float
    n: int
    too_small: int
    kept: int
    too_large: int
    strong: bool

    @property
    def interval80(self) -> tuple[float, float]:
        return (self.offset - _Z80 * self.sd, self.offset + _Z80 * self.sd)

    @property
    def direction(self) -> str:
        """'runs_small', 'runs_large' or 'true_to_size' by the sign of the posterior mean."""
        if self.offset > 0:
            return "runs_small"
        if self.offset < 0:
            return "runs_large"
        return "true_to_size"


def _codes(y: Any) -> np.ndarray:
    values = pd.Series(np.asarray(y)).astype(str)
    unknown = sorted(set(values) - set(_OUTCOME_CODE))
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; expected one of {OUTCOMES}")
    return values.map(_OUTCOME_CODE).to_numpy(dtype=np.int8)


def _loglik_and_derivatives(
    f: np.ndarray, code: np.ndarray, log_scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row log-likelihood, d/df, d/d(log s) and the expected (Fisher) information about f."""
    s = float(np.exp(log_scale))
    z1 = (-_HALF_STEP - f) / s  # boundary between too_large and kept
    z2 = (_HALF_STEP - f) / s  # boundary between kept and too_small
    below1, above1 = expit(z1), expit(-z1)
    below2, above2 = expit(z2), expit(-z2)
    dens1, dens2 = below1 * above1, below2 * above2
    p_large, p_small = below1, above2
    # Difference of sigmoids computed on the side where it does not cancel.
    p_kept = np.where(z1 > 0, above1 - above2, below2 - below1)
    probs = np.maximum(np.stack([p_large, p_kept, p_small]), 1e-300)
    # Derivatives of each class probability with respect to f and to log s.
    dp_df = np.stack([-dens1, dens1 - dens2, dens2]) / s
    dp_drho = np.stack([-z1 * dens1, z1 * dens1 - z2 * dens2, z2 * dens2])
    rows = np.arange(len(f))
    observed = code.astype(np.int64) + 1
    prob = probs[observed, rows]
    ll = np.log(prob)
    d_f = dp_df[observed, rows] / prob
    d_rho = dp_drho[observed, rows] / prob
    information = (dp_df**2 / probs).sum(axis=0)
    return ll, d_f, d_rho, information


class LatentFitModel(ClassifierMixin, BaseEstimator):
    """Per-product latent size offsets with hierarchical shrinkage; a scikit-learn classifier.

    ``X`` is a DataFrame with a ``product`` column and optionally ``brand``, ``category``, ``customer``
    (group labels, missing allowed) and ``size_gap`` (numeric, steps). ``y`` holds outcomes from
    ``OUTCOMES``. Scales are prior standard deviations in size steps.

    A product is ``strong`` (told to shoppers) only when it has at least ``strong_min_n`` outcomes, its 80%
    posterior interval excludes 0, the shift is at least ``min_effect`` sizes (half a size: below that the
    adjacent size is not better for the typical buyer, so "consider one size up" would be wrong) and its own
    outcomes lean the same way.
    """

    def __init__(
        self,
        product_scale: float = 0.5,
        brand_scale: float = 0.35,
        category_scale: float = 0.35,
        customer_scale: float = 0.75,
        strong_min_n: int = 10,
        min_effect: float = 0.5,
        max_iter: int = 50,
        tol: float = 1e-3,
    ) -> None:
        self.product_scale = product_scale
        self.brand_scale = brand_scale
        self.category_scale = category_scale
        self.customer_scale = customer_scale
        self.strong_min_n = strong_min_n
        self.min_effect = min_effect
        self.max_iter = max_iter
        self.tol = tol

    # -- fitting -------------------------------------------------------------------------------------

    def _group_index(self, X: pd.DataFrame, group: str, levels: pd.Index | None) -> np.ndarray:
        """Positions of each row's group level in ``levels``; -1 when missing or unseen."""
        if group not in X.columns or levels is None:
            return np.full(len(X), -1, dtype=np.int64)
        values = X[group].astype("string")
        return np.asarray(levels.get_indexer(values.fillna("\x00__missing__")), dtype=np.int64)

    @staticmethod
    def _levels(X: pd.DataFrame, group: str) -> pd.Index | None:
        if group not in X.columns:
            return None
        values = X[group].astype("string").dropna()
        return pd.Index(pd.unique(values))

    @staticmethod
    def _size_gap(X: pd.DataFrame) -> np.ndarray:
        if "size_gap" not in X.columns:
            return np.zeros(len(X))
        return np.nan_to_num(pd.to_numeric(X["size_gap"], errors="coerce").to_numpy(dtype=float))

    def fit(self, X: pd.DataFrame, y: Any) -> LatentFitModel:
        if "product" not in X.columns:
            raise ValueError("X needs a 'product' column")
        code = _codes(y)
        n_rows = len(code)
        self.classes_ = np.array(OUTCOMES)
        self.levels_: dict[str, pd.Index | None] = {group: self._levels(X, group) for group in _GROUPS}
        index = {group: self._group_index(X, group, self.levels_[group]) for group in _GROUPS}
        sizes = {
            group: len(levels) if (levels := self.levels_[group]) is not None else 0 for group in _GROUPS
        }
        scales = {
            "category": self.category_scale,
            "brand": self.brand_scale,
            "product": self.product_scale,
            "customer": self.customer_scale,
        }
        gap = self._size_gap(X)
        has_gap = bool(np.any(gap != 0))
        # Priors on the global terms: the noise scale near the RTR estimate (~0.27 step); the global offset
        # near 0 because it mixes in how shoppers pick sizes, not only how products run; beta near 1 (a
        # size-gap guess in steps is taken at face value until the data say otherwise).
        log_scale_prior, log_scale_sd, global_sd = float(np.log(0.27)), 0.5, 0.25
        log_scale, global_offset, gap_coef = log_scale_prior, 0.0, 1.0
        effects = {group: np.zeros(sizes[group]) for group in _GROUPS}
        present = {group: index[group] >= 0 for group in _GROUPS}
        f = global_offset + gap_coef * gap

        # Block Fisher scoring: levels of one group cover disjoint rows, so one Newton step per group updates
        # all its levels exactly given the others; sweeps repeat until no effect moves by more than tol.
        self.n_iter_ = 0
        for _sweep in range(self.max_iter):
            self.n_iter_ += 1
            largest = 0.0
            for group in _GROUPS:
                if sizes[group] == 0:
                    continue
                idx, rows = index[group][present[group]], present[group]
                _, d_f, _, info = _loglik_and_derivatives(f, code, log_scale)
                grad = (
                    np.bincount(idx, weights=d_f[rows], minlength=sizes[group])
                    - effects[group] / scales[group] ** 2
                )
                hess = np.bincount(idx, weights=info[rows], minlength=sizes[group]) + 1.0 / scales[group] ** 2
                step = np.clip(grad / hess, -1.0, 1.0)
                effects[group] += step
                f[rows] += step[idx]
                largest = max(largest, float(np.abs(step).max()))

            _, d_f, _, info = _loglik_and_derivatives(f, code, log_scale)
            step_mu = float(
                np.clip((d_f.sum() - global_offset / global_sd**2) / (info.sum() + 1 / global_sd**2), -1, 1)
            )
            global_offset += step_mu
            f += step_mu
            largest = max(largest, abs(step_mu))
            if has_gap:
                _, d_f, _, info = _loglik_and_derivatives(f, code, log_scale)
                grad_beta = float((d_f * gap).sum()) - (gap_coef - 1.0)
                step_beta = float(np.clip(grad_beta / (float((info * gap**2).sum()) + 1.0), -1, 1))
                gap_coef += step_beta
                f += step_beta * gap
                largest = max(largest, abs(step_beta))

            # The noise scale: a Newton step on log s with a numerical second derivative.
            def rho_gradient(rho: float, latent: np.ndarray = f) -> float:
                d_rho = _loglik_and_derivatives(latent, code, rho)[2]
                return float(d_rho.sum()) - (rho - log_scale_prior) / log_scale_sd**2

            eps = 1e-3
            curvature = (rho_gradient(log_scale - eps) - rho_gradient(log_scale + eps)) / (2 * eps)
            step_rho = float(np.clip(rho_gradient(log_scale) / max(curvature, 1e-6), -0.5, 0.5))
            log_scale += step_rho
            largest = max(largest, abs(step_rho))
            if largest < self.tol:
                break

        self.converged_ = largest < self.tol
        self.noise_scale_ = float(np.exp(log_scale))
        self.global_offset_ = global_offset
        self.gap_coef_ = gap_coef
        self.effects_ = effects

        # Laplace: information per group level from the rows it covers, at the MAP.
        info = _loglik_and_derivatives(f, code, log_scale)[3]
        self.information_ = {
            group: np.bincount(
                index[group][present[group]], weights=info[present[group]], minlength=sizes[group]
            )
            for group in _GROUPS
        }
        self._summarise_products(X, code, index, scales)
        self.n_rows_ = n_rows
        return self

    def _summarise_products(
        self,
        X: pd.DataFrame,
        code: np.ndarray,
        index: dict[str, np.ndarray],
        scales: dict[str, float],
    ) -> None:
        """Posterior offset, sd and counts per product seen in training."""
        products = self.levels_["product"]
        assert products is not None
        n_products = len(products)
        product_idx = index["product"]
        counts = np.zeros((n_products, 3), dtype=np.int64)
        np.add.at(counts, (product_idx, code + 1), 1)

        # Each product's parent (brand, category): the most frequent among its rows.
        frame = pd.DataFrame({"product": product_idx, "brand": index["brand"], "category": index["category"]})
        parents = frame.groupby("product")[["brand", "category"]].agg(lambda s: s.mode().iloc[0])
        brand_idx = parents["brand"].reindex(range(n_products)).to_numpy(dtype=np.int64)
        category_idx = parents["category"].reindex(range(n_products)).to_numpy(dtype=np.int64)

        own_info = self.information_["product"]
        parent_mean = np.full(n_products, self.global_offset_)
        parent_var = np.zeros(n_products)
        for group, own in (("brand", brand_idx), ("category", category_idx)):
            effects = self.effects_[group]
            present = own >= 0
            parent_mean[present] += effects[own[present]]
            group_info = np.zeros(n_products)
            group_info[present] = self.information_[group][own[present]]
            # The parent's uncertainty from the other products' evidence, so a product is not its own support.
            other_info = np.maximum(group_info - own_info, 0.0) if group == "brand" else group_info
            parent_var[present] += 1.0 / (other_info[present] + 1.0 / scales[group] ** 2)
        prior_var = scales["product"] ** 2 + parent_var
        posterior_var = 1.0 / (own_info + 1.0 / prior_var)
        offset = parent_mean + self.effects_["product"]
        sd = np.sqrt(posterior_var)
        n = counts.sum(axis=1)
        excludes_zero = (offset - _Z80 * sd > 0) | (offset + _Z80 * sd < 0)
        # The product's own outcomes must lean the same way, so pooling alone never flags a product.
        own_lean = np.sign(counts[:, 2] - counts[:, 0]) == np.sign(offset)
        strong = (n >= self.strong_min_n) & excludes_zero & (np.abs(offset) >= self.min_effect) & own_lean
        self.product_table_ = pd.DataFrame(
            {
                "offset": offset,
                "sd": sd,
                "n": n,
                "too_large": counts[:, 0],
                "kept": counts[:, 1],
                "too_small": counts[:, 2],
                "strong": strong,
            },
            index=pd.Index(products, name="product"),
        )

    # -- using the fitted model ----------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "effects_"):
            raise AttributeError("LatentFitModel is not fitted yet; call fit first")

    def group_offset(self, group: str, labels: Any) -> np.ndarray:
        """The fitted effect of each label in ``group`` (0 for unseen or missing labels)."""
        self._check_fitted()
        frame = pd.DataFrame({group: pd.Series(labels, dtype="string")})
        idx = self._group_index(frame, group, self.levels_[group])
        out = np.zeros(len(idx))
        present = idx >= 0
        out[present] = self.effects_[group][idx[present]]
        return out

    def product_offset(self, X: pd.DataFrame) -> np.ndarray:
        """Total offset (global + category + brand + product) per row; unseen products use their parents."""
        self._check_fitted()
        total = np.full(len(X), self.global_offset_)
        for group in ("category", "brand", "product"):
            if group in X.columns:
                total += self.group_offset(group, X[group])
        return total

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Latent f per row: how many steps larger than the bought size the shopper's true size is."""
        f = self.product_offset(X) + self.gap_coef_ * self._size_gap(X)
        if "customer" in X.columns:
            f += self.group_offset("customer", X["customer"])
        return f

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities in ``classes_`` order: too_large, kept, too_small."""
        f = self.decision_function(X)
        s = self.noise_scale_
        p_large = expit((-_HALF_STEP - f) / s)
        p_small = expit((f - _HALF_STEP) / s)
        p_kept = np.clip(1.0 - p_large - p_small, 0.0, 1.0)
        return np.column_stack([p_large, p_kept, p_small])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.classes_)[np.argmax(self.predict_proba(X), axis=1)]

    def product_fits(self) -> dict[str, ProductFit]:
        """Every product seen in training with its posterior offset and whether the evidence is strong."""
        self._check_fitted()
        return {
            str(product): ProductFit(
                product=str(product),
                offset=float(row.offset),
                sd=float(row.sd),
                n=int(row.n),
                too_small=int(row.too_small),
                kept=int(row.kept),
                too_large=int(row.too_large),
                strong=bool(row.strong),
            )
            for product, row in self.product_table_.iterrows()
        }
