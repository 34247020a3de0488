from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from fitguide.settings import REPO_ROOT
from sizing.body_model import DIMENSIONS, BodyModel, condition_gaussian, model_paths
from sizing.size_systems import body_type


def synthetic_people(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """People whose girths follow known linear laws plus correlated noise."""
    rng = np.random.default_rng(seed)
    frames = []
    for sex, base in (("male", 0.0), ("female", -6.0)):
        height = rng.normal(172 + base, 7, n)
        weight = rng.normal(75 + base, 11, n)
        age = rng.uniform(18, 55, n)
        shared = rng.normal(0, 2.0, n)
        frame = pd.DataFrame({"sex": sex, "height_cm": height, "weight_kg": weight, "age": age})
        for i, dimension in enumerate(DIMENSIONS):
            frame[dimension] = 30 + 0.1 * height + 0.6 * weight + (i + 1) + shared + rng.normal(0, 1.0, n)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_estimator_contract() -> None:
    people = synthetic_people()
    model = BodyModel(interval=0.8)
    assert model.fit(people) is model
    assert clone(model).get_params() == {"interval": 0.8, "min_sd_cm": 0.5, "cv_folds": 5, "random_state": 0}
    for attribute in ("coef_", "intercept_", "scale_coef_", "z_quantiles_", "corr_", "waist_correction_"):
        assert hasattr(model, attribute)
    prediction = model.predict(people.head(5))
    assert prediction.shape == (5, len(DIMENSIONS))
    expected = 30 + 0.1 * people["height_cm"] + 0.6 * people["weight_kg"] + 1
    assert np.abs(model.predict(people)[:, 0] - expected).mean() < 2.0


def test_measured_values_override_and_move_correlated_dimensions() -> None:
    model = BodyModel().fit(synthetic_people())
    prior = model.estimate("male", 175, 75, 30)
    chest = prior.value("chest")
    posterior = model.estimate("male", 175, 75, 30, measured={"chest": chest + 6})
    assert posterior.value("chest") == pytest.approx(chest + 6, abs=0.1)
    assert posterior.value("waist") > prior.value("waist") + 1.0  # shared noise: correlated girths move
    assert posterior.sd[0] < 0.6
    assert posterior.sd[1] < prior.sd[1]
    assert "chest" in posterior.measured


def test_gaussian_conditioning_matches_closed_form() -> None:
    mean = np.array([0.0, 0.0])
    cov = np.array([[4.0, 2.0], [2.0, 4.0]])
    new_mean, new_cov = condition_gaussian(mean, cov, {0: (2.0, 0.0)})
    assert new_mean[1] == pytest.approx(1.0)
    assert new_cov[1, 1] == pytest.approx(3.0)


def test_shipped_artefact_loads_with_metadata(body_model: BodyModel) -> None:
    estimate = body_model.estimate("female", 165, 55, 30)
    assert 78 < estimate.value("chest") < 95
    assert np.all(estimate.low < estimate.mean) and np.all(estimate.mean < estimate.high)
    _, metadata_path = model_paths(REPO_ROOT / "data")
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    assert metadata["name"] == "body_model_v3"
    assert set(metadata["held_out_ansur"]) == {"male", "female"}
    cross_validation = metadata["cross_validation_training_people"]["by_sex"]
    assert set(cross_validation) == {"male", "female"}
    assert cross_validation["female"]["chest_mae_cm"]["body_model"] < 4.0
    assert metadata["nhanes_waist_check"]["by_age_band"]


def test_nhanes_correction_raises_older_waists(body_model: BodyModel) -> None:
    young = body_model.estimate("male", 175, 80, 25)
    old = body_model.estimate("male", 175, 80, 65)
    military_old = body_model.estimate("male", 175, 80, 65, population="ansur")
    assert old.value("waist") > military_old.value("waist")
    assert old.value("waist") > young.value("waist")


def test_uncertainty_comes_from_out_of_fold_residuals() -> None:
    """With few people per feature, in-sample residuals understate the error on new people; the model's
    sd must reflect the out-of-fold error instead."""
    from sklearn.linear_model import LinearRegression

    from sizing.body_model import design_matrix

    people = synthetic_people(n=25, seed=3)
    men = people[people["sex"] == "male"]
    features = design_matrix(*(men[c].to_numpy(float) for c in ("height_cm", "weight_kg", "age")))
    chest = men["chest"].to_numpy(float)
    in_sample_sd = (chest - LinearRegression().fit(features, chest).predict(features)).std()
    _, sd = BodyModel().fit(people).predict_moments(men, population="ansur")
    assert sd[:, 0].mean() > 1.15 * in_sample_sd


def test_served_waist_is_the_natural_waist_charts_quote(body_model: BodyModel) -> None:
    """At the same bust, women's charts put the natural waist about 16 cm below it (GB/T 1335.2 A type);
    ANSUR's navel waist sits much closer. Served estimates use the chart level; evaluation keeps ANSUR's."""
    offsets = body_model.chart_waist_offset_
    assert 6.0 < offsets["female"] < 9.0 and offsets["male"] < 1.0
    served = body_model.estimate("female", 165, 55, 30)
    navel = body_model.estimate("female", 165, 55, 30, population="nhanes")
    assert served.value("waist") == pytest.approx(navel.value("waist") - offsets["female"])
    assert served.value("chest") == navel.value("chest")
    assert body_type(served.value("chest"), served.value("waist"), "female") == "A"
