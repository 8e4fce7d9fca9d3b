"""Categorical encoders, numeric preparation and missingness indicators."""

import numpy as np
import pandas as pd
import pytest

from sklearn_automl.features import (
    CategoricalEncoder,
    CategoryNormalizer,
    MissingValueIndicator,
    NumericTransformer,
)


def test_normalizer_unifies_values_and_missing_markers():
    X = pd.DataFrame({"a": pd.Series([1, "1", 1.0, "x", None, np.nan, pd.NA, pd.NaT],
                                     dtype=object)})
    out = CategoryNormalizer().fit_transform(X).ravel()
    assert out[:4].tolist() == ["1", "1", "1", "x"]
    assert all(isinstance(v, float) and np.isnan(v) for v in out[4:])


def test_onehot_unseen_and_missing_at_predict_are_all_zeros():
    X = pd.DataFrame({"c": ["a", "b", "a", "c"]})
    enc = CategoricalEncoder().fit(X)
    out = enc.transform(pd.DataFrame({"c": ["zzz", None, "b"]}))
    np.testing.assert_array_equal(out, [[0, 0, 0], [0, 0, 0], [0, 1, 0]])


def test_category_dtype_and_type_changes_agree_with_fit():
    X = pd.DataFrame({"c": pd.Categorical([1, 2, 1, 3])})
    enc = CategoricalEncoder(method="ordinal").fit(X)
    later = pd.DataFrame({"c": pd.Series(["1", 2.0, "3", 4], dtype=object)})
    np.testing.assert_array_equal(enc.transform(later).ravel(), [0, 1, 2, -1])


def test_max_categories_groups_rare_levels():
    X = pd.DataFrame({"c": list("aaaabbbcd")})
    enc = CategoricalEncoder(max_categories=3).fit(X)
    assert enc.get_feature_names_out().tolist() == ["c_a", "c_b", "c_infrequent_sklearn"]
    np.testing.assert_array_equal(enc.transform(pd.DataFrame({"c": ["new"]})), [[0, 0, 1]])


def test_target_encoding_cross_fits():
    # One level per row: an encoder fit on a row's own target would leak it.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"c": [f"id{i}" for i in range(400)]})
    y = rng.randint(0, 2, 400)
    enc = CategoricalEncoder(method="target", random_state=0, smooth=1.0)
    crossed = enc.fit_transform(X, y).ravel()
    leaked = enc.transform(X).ravel()
    assert abs(np.corrcoef(crossed, y)[0, 1]) < 0.2
    assert np.corrcoef(leaked, y)[0, 1] > 0.9
    unseen = enc.transform(pd.DataFrame({"c": ["never"]}))[0, 0]
    assert unseen == pytest.approx(y.mean(), abs=1e-6)


def test_target_encoding_multiclass_and_continuous():
    X = pd.DataFrame({"c": list("ababcabc") * 5})
    y = np.array(list("xyzxyzxy") * 5)
    enc = CategoricalEncoder(method="target", cv=2, random_state=0)
    assert enc.fit_transform(X, y).shape == (40, 3)
    assert enc.get_feature_names_out().tolist() == ["c_x", "c_y", "c_z"]
    y_int = np.arange(40) % 7  # integer-valued regression target
    enc = CategoricalEncoder(method="target", target_type="continuous", cv=2)
    assert enc.fit_transform(X, y_int).shape == (40, 1)


def test_target_encoding_needs_y():
    with pytest.raises(ValueError, match="requires y"):
        CategoricalEncoder(method="target").fit(pd.DataFrame({"c": ["a", "b"]}))


@pytest.mark.parametrize(
    ("imputer", "expected"), [("median", 2.0), ("mean", 7 / 3), ("constant", -1.0)]
)
def test_numeric_imputers(imputer, expected):
    X = pd.DataFrame({"a": [1.0, 2.0, 4.0, None]})
    out = NumericTransformer(imputer, fill_value=-1.0).fit_transform(X)
    assert out[3, 0] == pytest.approx(expected)


def test_numeric_indicator_and_all_missing_columns():
    X = pd.DataFrame({"a": [1.0, None, 3.0], "empty": [np.nan] * 3})
    num = NumericTransformer(add_indicator=True).fit(X)
    assert num.get_feature_names_out().tolist() == [
        "a", "empty", "missingindicator_a", "missingindicator_empty"]
    out = num.transform(pd.DataFrame({"a": [np.nan, np.nan], "empty": [5.0, np.nan]}))
    np.testing.assert_array_equal(out, [[2.0, 5.0, 1.0, 0.0], [2.0, 0.0, 1.0, 1.0]])


@pytest.mark.parametrize("scaler", ["standard", "robust", "quantile", "power"])
def test_scalers_center_the_data(scaler):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"skewed": rng.lognormal(size=500), "const": 3.0})
    out = NumericTransformer(scaler=scaler, random_state=0).fit_transform(X)
    center = np.mean if scaler == "standard" else np.median
    assert abs(center(out[:, 0])) < 0.2 and np.isfinite(out).all()


def test_numeric_nullable_bool_and_string_numbers():
    X = pd.DataFrame({
        "i": pd.array([1, None, 3], dtype="Int64"),
        "b": pd.array([True, None, False], dtype="boolean"),
        "s": ["1.5", "2", None],
        "t": pd.to_timedelta([1, 2, 3], unit="min"),
    })
    out = NumericTransformer(imputer=None).fit_transform(X)
    np.testing.assert_array_equal(
        out, [[1, 1, 1.5, 60], [np.nan, np.nan, 2, 120], [3, 0, np.nan, 180]]
    )


def test_numeric_column_with_text_at_predict_names_the_column():
    num = NumericTransformer().fit(pd.DataFrame({"price": [1.0, 2.0]}))
    later = pd.DataFrame({"price": pd.Series(["3", "True", "n/a"], dtype=object)})
    with pytest.raises(ValueError, match=r"Column 'price' .*\['n/a'\]"):
        num.transform(later)
    ok = num.transform(pd.DataFrame({"price": ["3", "True"]}))
    np.testing.assert_array_equal(ok.ravel(), [3.0, 1.0])


def test_infinity_is_rejected_with_the_column_name():
    with pytest.raises(ValueError, match=r"\['b'\] contain infinity"):
        NumericTransformer().fit(pd.DataFrame({"a": [1.0, 2.0], "b": [np.inf, 1.0]}))


def test_missing_value_indicator_takes_any_column_type():
    X = pd.DataFrame({
        "d": pd.to_datetime(["2024-01-01", None]),
        "s": ["x", None],
        "n": pd.array([None, 1], dtype="Int64"),
    })
    ind = MissingValueIndicator().fit(X)
    np.testing.assert_array_equal(ind.transform(X), [[0, 0, 1], [1, 1, 0]])
    assert ind.get_feature_names_out()[0] == "missingindicator_d"
