"""The plan: featurizer knobs in the search space, per family, from the data."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from sklearn_automl._plan import make_plan
from sklearn_automl.features import AutoFeaturizer


def _mixed(n=160, seed=0, text=True):
    rng = np.random.RandomState(seed)
    words = np.array([f"w{i}" for i in range(50)])
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "gap": np.where(rng.rand(n) < 0.2, np.nan, rng.normal(size=n)),
        "city": rng.choice(["a", "b", "c"], n),
        "shop": [f"s{i}" for i in rng.randint(0, 70, n)],
        "when": pd.date_range("2024-01-01", periods=n, freq="5h"),
    })
    if text:
        X["note"] = [" ".join(rng.choice(words, 5)) for _ in range(n)]
    y = (X["num"] + (X["city"] == "a") > 0.2).astype(int).to_numpy()
    return X, y


def _knobs(plan, family):
    prefix = f"{family}__features__"
    return {k[len(prefix):]: d.choices for k, d in plan.space.params.items()
            if k.startswith(prefix)}


def test_knobs_follow_the_data_and_the_family():
    X, _y = _mixed()
    plan = make_plan(X, "classification", None)
    assert _knobs(plan, "lightgbm") == {
        "encoder": ["ordinal", "target"],
        "high_cardinality_encoder": ["target", "ordinal"],
        "text_width": [64, 16, 256],
    }
    assert _knobs(plan, "random_forest")["encoder"] == ["ordinal", "onehot", "target"]
    linear = _knobs(plan, "linear")
    assert linear["encoder"] == ["onehot", "target"]
    assert linear["scaler"] == ["standard", "robust", "quantile", "power"]
    assert "selector" not in linear  # 6 columns: too few to select from

    numeric = pd.DataFrame(np.random.RandomState(0).normal(size=(50, 12)))
    plan = make_plan(numeric, "regression", ["linear", "lightgbm"])
    assert _knobs(plan, "lightgbm") == {}
    assert set(_knobs(plan, "linear")) == {"scaler", "selector", "k"}
    assert plan.space.conditions["linear__features__k"] == (
        "linear__features__selector", ["mutual_info", "l1", "tree"])


def test_default_configs_are_the_sensible_ones():
    X, _y = _mixed()
    plan = make_plan(X, "classification", ["lightgbm", "linear"])
    lgbm, linear = plan.default_configs()
    assert lgbm["lightgbm__features__encoder"] == "ordinal"
    assert lgbm["lightgbm__features__high_cardinality_encoder"] == "target"
    assert linear["linear__features__encoder"] == "onehot"
    assert linear["linear__features__scaler"] == "standard"
    tree_features = plan.build(lgbm).named_steps["features"].get_params()
    assert tree_features["imputer"] is None and tree_features["scaler"] is None
    linear_features = plan.build(linear).named_steps["features"].get_params()
    assert linear_features["imputer"] == "median"
    assert linear_features["datetime_cyclic"] is True


def test_model_params_rebuild_the_pipeline():
    X, _y = _mixed()
    plan = make_plan(X, "classification", None)
    rng = np.random.RandomState(0)
    for _ in range(20):
        config = plan.space.sample(rng)
        params = plan.model_params(config)
        assert all(k.startswith(("model__", "features__")) for k in params)
        built = plan.build(config, random_state=0)
        base = plan.build(plan.space.default({"family": config["family"]}), random_state=0)
        rebuilt = clone(base).set_params(**params)
        assert repr(rebuilt.get_params()) == repr(built.get_params()), config


def _few_rounds(plan, pipe):
    """``pipe`` with 20 boosting rounds: a boosting family's iteration count is
    a cap of 10,000 that only trials (with early stopping) reach for."""
    model = pipe.named_steps["model"]
    comp = next(c for c in plan.components.values()
                if type(c.estimator) is type(model))
    if comp.early_stopping is None:
        return pipe
    return pipe.set_params(**{f"model__{comp.early_stopping.param}": 20})


@pytest.mark.parametrize(
    ("family", "param"),
    [("lightgbm", "categorical_column"), ("hist_gradient_boosting", "categorical_features")],
)
def test_native_categorical_indices_match_the_featurizer(family, param):
    X, y = _mixed(text=False)
    plan = make_plan(X, "classification", [family])
    config = plan.space.default({"family": family})
    config[f"{family}__features__high_cardinality_encoder"] = "ordinal"
    pipe = _few_rounds(plan, plan.build(config, random_state=0)).fit(X, y)
    indices = pipe.named_steps["model"].get_params()[param]
    assert list(indices) == list(pipe.named_steps["features"].categorical_features_)
    assert list(indices) == [0, 1]
    config[f"{family}__features__encoder"] = "target"
    config[f"{family}__features__high_cardinality_encoder"] = "target"
    assert plan.build(config).named_steps["model"].get_params()[param] is None
    assert plan.model_params(config)[f"model__{param}"] is None


def test_sampled_configurations_fit_and_predict():
    X, y = _mixed(n=120)
    plan = make_plan(X, "classification", ["lightgbm", "linear", "random_forest"])
    rng = np.random.RandomState(1)
    for _ in range(6):
        config = plan.space.sample(rng)
        pipe = _few_rounds(plan, plan.build(config, random_state=0, n_jobs=1))
        assert pipe.fit(X, y).predict_proba(X.iloc[:7]).shape == (7, 2)


def test_custom_families_search_only_their_own_space():
    X, _y = _mixed()
    plan = make_plan(X, "classification", [("lr", LogisticRegression(), {})])
    assert list(plan.space.params) == ["family"]
    features = plan.build({"family": "lr"}).named_steps["features"]
    assert isinstance(features, AutoFeaturizer) and features.encoder == "onehot"


def test_kinds_override_and_unusable_tables():
    X, _y = _mixed()
    plan = make_plan(X, "classification", ["linear"], kinds={"shop": "drop"})
    assert plan.kinds["shop"] == "drop"
    assert "linear__features__high_cardinality_encoder" not in plan.space.params
    ids = pd.DataFrame({"user": [f"u{i}" for i in range(80)]})
    with pytest.raises(ValueError, match="no usable column.*'user'"):
        make_plan(ids, "classification", None)
    one_row = pd.DataFrame({"a": [1.0], "b": ["x"]})
    assert make_plan(one_row, "regression", ["linear"]).kinds == {
        "a": "numeric", "b": "categorical"}


def test_linear_models_get_float64_features_and_row_order_invariant_predictions():
    # float32 features made Ridge predict in float32, and a row's prediction
    # then changed in the 7th digit with its position in the batch (BLAS
    # blocking): sklearn's check_methods_sample_order_invariance failed by
    # luck of the permutation.
    X, _y = _mixed(n=120, text=False)
    y = X["num"].to_numpy() * 3.0 + 0.1
    plan = make_plan(X, "regression", ["linear", "lightgbm"])
    linear = plan.build(plan.space.default({"family": "linear"}), random_state=0)
    lgbm = plan.build(plan.space.default({"family": "lightgbm"}), random_state=0)
    assert linear.named_steps["features"].dtype == np.float64
    assert lgbm.named_steps["features"].dtype == np.float32  # half the memory
    linear.fit(X, y)
    pred = linear.predict(X)
    assert pred.dtype == np.float64
    for seed in range(5):
        idx = np.random.RandomState(seed).permutation(len(X))
        np.testing.assert_allclose(linear.predict(X.iloc[idx]), pred[idx], rtol=1e-12)


def test_component_dtype_is_validated():
    from sklearn_automl.space import Component

    with pytest.raises(ValueError, match="'lr': dtype must be np.float32 or np.float64"):
        Component("lr", LogisticRegression(), {}, dtype="int8")
    with pytest.raises(ValueError, match="dtype must be"):
        Component("lr", LogisticRegression(), {}, dtype="no such type")
