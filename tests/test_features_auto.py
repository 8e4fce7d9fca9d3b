"""AutoFeaturizer: the whole table, its layout, and bad input."""

import logging
import os
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn import config_context
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_automl.features import AutoFeaturizer

N = 300


def _table(n=N, seed=0):
    rng = np.random.RandomState(seed)
    words = np.array([f"word{i}" for i in range(40)])
    signal = rng.normal(size=n)
    X = pd.DataFrame({
        "num": signal + 0.3 * rng.normal(size=n),
        "noisy_nan": np.where(rng.rand(n) < 0.2, np.nan, rng.normal(size=n)),
        "telling_nan": np.where(signal > 0.5, np.nan, rng.normal(size=n)),
        "count": pd.array(rng.randint(0, 5, n), dtype="Int64"),
        "flag": pd.array(rng.rand(n) < 0.5, dtype="boolean"),
        "city": pd.Series(rng.choice(["rome", "oslo", "lima", None], n), dtype="str"),
        "shop": pd.Categorical([f"s{i}" for i in rng.randint(0, 60, n)]),
        "when": pd.date_range("2023-01-01", periods=n, freq="17h", tz="UTC"),
        "note": [" ".join(rng.choice(words, 6)) for _ in range(n)],
        "ticket": [f"T{i:05d}" for i in rng.permutation(n)],
        "source": "web",
    })
    y = (signal + (X["city"] == "rome") > 0.3).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def table():
    return _table()


def test_detects_kinds_and_drops_ids_and_constants(table):
    X, y = table
    feat = AutoFeaturizer(text_width=4, random_state=0).fit(X, y)
    assert feat.column_kinds_ == {
        "num": "numeric", "noisy_nan": "numeric", "telling_nan": "numeric",
        "count": "numeric", "flag": "boolean", "city": "categorical",
        "shop": "high_cardinality", "when": "datetime", "note": "text",
        "ticket": "id", "source": "constant",
    }
    out = feat.transform(X)
    names = feat.get_feature_names_out()
    assert out.dtype == np.float32 and out.shape == (N, len(names))
    assert np.isfinite(out).all()
    assert not any(n.startswith(("ticket", "source")) for n in names)
    assert {"city_rome", "shop", "when_month_sin", "note_svd0"} <= set(names)


def test_missing_indicators_where_missingness_tells_the_target(table):
    X, y = table
    X = X.drop(columns="note")
    assert AutoFeaturizer(random_state=0).fit(X, y).missing_indicator_columns_ == [
        "telling_nan"]
    unsupervised = AutoFeaturizer(high_cardinality_encoder="ordinal").fit(X)
    assert unsupervised.missing_indicator_columns_ == ["noisy_nan", "telling_nan"]
    assert AutoFeaturizer(missing_indicator="all").fit(X, y).missing_indicator_columns_ \
        == ["noisy_nan", "telling_nan"]
    assert AutoFeaturizer(missing_indicator=None).fit(X, y).missing_indicator_columns_ == []
    # models that take NaN get no imputation and no indicator
    trees = AutoFeaturizer(imputer=None, scaler=None, random_state=0).fit(X, y)
    assert trees.missing_indicator_columns_ == []
    assert np.isnan(trees.transform(X)).any()


def test_ordinal_columns_come_first_and_survive_selection(table):
    X, y = table
    feat = AutoFeaturizer(encoder="ordinal", high_cardinality_encoder="ordinal",
                          selector="tree", k=2, text_width=4, random_state=0).fit(X, y)
    np.testing.assert_array_equal(feat.categorical_features_, [0, 1])
    names = feat.get_feature_names_out()
    assert names[:2].tolist() == ["city", "shop"] and len(names) == 4
    out = feat.transform(X)
    assert out.shape == (N, 4) and set(np.unique(out[:, 0])) <= {-1, 0, 1, 2}


@pytest.mark.parametrize("selector", ["mutual_info", "l1", "tree"])
def test_selection_inside_the_featurizer(table, selector):
    X, y = table
    feat = AutoFeaturizer(selector=selector, text_width=4, random_state=0).fit(X, y)
    names = feat.get_feature_names_out()
    assert 1 <= len(names) < feat.transformer_.transform(X).shape[1]
    assert "num" in names
    assert feat.transform(X).shape == (N, len(names))


def test_set_output_pandas_and_global_config(table):
    X, y = table
    out = AutoFeaturizer(text_width=4, random_state=0).set_output(
        transform="pandas").fit_transform(X, y)
    assert isinstance(out, pd.DataFrame) and "city_rome" in out.columns
    with config_context(transform_output="pandas"):
        out = AutoFeaturizer(text_width=4, random_state=0).fit(X, y).transform(X)
    assert isinstance(out, pd.DataFrame) and out.index.equals(X.index)


def test_fit_transform_cross_fits_only_with_target_encoding(table):
    X, y = table
    plain = AutoFeaturizer(high_cardinality_encoder="ordinal", text_width=4,
                           random_state=0)
    np.testing.assert_allclose(plain.fit_transform(X, y), plain.transform(X), atol=1e-5)
    target = AutoFeaturizer(text_width=4, random_state=0)
    crossed = target.fit_transform(X, y)
    column = list(target.get_feature_names_out()).index("shop")
    assert not np.allclose(crossed[:, column], target.transform(X)[:, column])


def test_pipeline_clone_and_pickle(table):
    X, y = table
    model = make_pipeline(AutoFeaturizer(text_width=4, random_state=0),
                          LogisticRegression(max_iter=500))
    assert cross_val_score(model, X, y, cv=3, scoring="roc_auc").mean() > 0.8
    fitted = clone(model).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_sparse_text_without_svd():
    X, y = _table(120)
    feat = AutoFeaturizer(text_width=None, random_state=0).fit(X, y)
    out = feat.transform(X)
    assert sparse.issparse(out) and out.shape[1] == len(feat.get_feature_names_out())


def test_numpy_arrays_by_position():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(size=60), rng.choice(["a", "b"], 60), np.ones(60)])
    X = X.astype(object)
    X[:, 0] = X[:, 0].astype(float)
    feat = AutoFeaturizer().fit(X)
    assert feat.column_kinds_ == {0: "numeric", 1: "categorical", 2: "constant"}
    assert feat.get_feature_names_out().tolist() == ["x1_a", "x1_b", "x0"]
    numeric = AutoFeaturizer(kinds={1: "categorical"}).fit(rng.randint(0, 3, (30, 2)))
    assert numeric.column_kinds_ == {0: "numeric", 1: "categorical"}


def test_integer_column_labels_are_not_shifted():
    X = pd.DataFrame({5: [1.0, 2.0, 3.0, 4.0], 0: ["a", "b", "a", "b"]})
    out = AutoFeaturizer(scaler=None).fit(X).transform(X)
    np.testing.assert_array_equal(out[:, 2], [1, 2, 3, 4])  # column "5", not position 5


# ------------------------------------------------------------------ bad input
def test_duplicated_column_names_are_an_error(table):
    X, y = table
    dup = X[["num", "city"]].set_axis(["num", "num"], axis=1)
    with pytest.raises(ValueError, match=r"duplicated column name\(s\) \['num'\]"):
        AutoFeaturizer().fit(dup, y)
    feat = AutoFeaturizer().fit(X[["num", "city"]], y)
    with pytest.raises(ValueError, match="duplicated"):
        feat.transform(dup)


def test_missing_or_reordered_columns_are_an_error(table):
    X, y = table
    feat = AutoFeaturizer(text_width=4).fit(X, y)
    with pytest.raises(ValueError, match="num"):
        feat.transform(X.drop(columns="num"))
    with pytest.raises(ValueError, match="order"):
        feat.transform(X[X.columns[::-1]])


def test_type_changes_between_fit_and_predict(table):
    X, y = table
    feat = AutoFeaturizer(text_width=4, random_state=0).fit(X, y)
    expected = feat.transform(X)
    as_strings = X.assign(num=X["num"].astype(str), count=X["count"].astype(object))
    np.testing.assert_allclose(feat.transform(as_strings), expected, atol=1e-4)
    with pytest.raises(ValueError, match="Column 'num' should hold numbers"):
        feat.transform(X.assign(num=X["city"]))
    with pytest.raises(ValueError, match="Column 'when' holds numbers"):
        feat.transform(X.assign(when=np.arange(N)))
    city_as_category = X.assign(city=X["city"].astype("category"))
    np.testing.assert_allclose(feat.transform(city_as_category), expected)


def test_unseen_categories_all_missing_columns_and_bad_dates(table, caplog):
    X, y = table
    feat = AutoFeaturizer(text_width=4, random_state=0).fit(X, y)
    later = X.iloc[:5].copy()
    later["city"] = ["paris"] * 5
    later["shop"] = pd.Categorical(["new"] * 5)
    later["num"] = np.nan
    later["flag"] = pd.array([None] * 5, dtype="boolean")
    later["note"] = None
    later["when"] = pd.Series(["not a date", "2024-01-01"] + [None] * 3, dtype=object,
                              index=later.index)
    with caplog.at_level(logging.WARNING, logger="sklearn_automl"):
        out = feat.transform(later)
    assert np.isfinite(out).all()
    names = list(feat.get_feature_names_out())
    city = [i for i, n in enumerate(names) if n.startswith("city_")]
    assert (out[:, city] == 0).all()
    assert "'when'" in caplog.text


def test_target_encoding_and_selection_need_y(table):
    X, _ = table
    with pytest.raises(ValueError, match=r"Target encoding of column\(s\) \['shop'\]"):
        AutoFeaturizer().fit(X)
    with pytest.raises(ValueError, match="selector='l1' needs y"):
        AutoFeaturizer(high_cardinality_encoder="ordinal", selector="l1",
                       text_width=4).fit(X)


# ------------------------------------------------------------------ property
def _random_table(draw):
    from hypothesis import strategies as st

    n = draw(st.integers(3, 30))
    kinds = draw(st.lists(st.sampled_from(
        ["float", "int", "label", "bool", "date", "mixed"]), min_size=1, max_size=5))
    columns = {}
    for j, kind in enumerate(kinds):
        missing = st.none() if kind != "int" else st.nothing()
        values = {
            "float": st.floats(-1e6, 1e6, allow_nan=False),
            "int": st.integers(-5, 5),
            "label": st.sampled_from(["a", "b", "c", "d"]),
            "bool": st.booleans(),
            "date": st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                                 max_value=pd.Timestamp("2030-01-01").to_pydatetime()),
            "mixed": st.one_of(st.integers(0, 3), st.sampled_from(["x", "y"])),
        }[kind]
        columns[f"{kind}{j}"] = draw(st.lists(st.one_of(values, missing), min_size=n,
                                              max_size=n))
    frame = pd.DataFrame(columns)
    for name in frame:
        if name.startswith("date"):
            frame[name] = pd.to_datetime(frame[name])
    return frame


def test_any_small_table_featurizes_row_by_row():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=int(os.environ.get("FEATURES_EXAMPLES", "40")), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        X = _random_table(data.draw)
        feat = AutoFeaturizer(high_cardinality_encoder="ordinal", random_state=0)
        out = feat.fit_transform(X)
        assert out.shape == (len(X), len(feat.get_feature_names_out()))
        assert np.isfinite(out).all()
        # each row's features depend on that row only: no shift, no mixing
        order = np.random.RandomState(0).permutation(len(X))
        np.testing.assert_allclose(feat.transform(X.iloc[order]), out[order], atol=1e-5)

    check()
