"""AutoFeaturizer.transform's fast path gives what the ColumnTransformer gives.

``transform`` validates the table once and hands each step its columns
through the steps' private ``_transform_columns`` (categorical levels are
encoded by lookup in what the sklearn encoder outputs for them); the
reference is ``transformer_.transform``, which goes through every step's
public, validating ``transform`` and the sklearn encoders themselves.
"""

import numpy as np
import pandas as pd
import pytest
from table_strategies import COLUMN_KINDS, make_column

from sklearn_automl.features import AutoFeaturizer, CategoricalEncoder

KINDS = [k for k in COLUMN_KINDS if k not in {"complex", "bytes_raw"}]

CONFIGS = [
    {},
    {"encoder": "ordinal", "high_cardinality_encoder": "ordinal", "imputer": None,
     "scaler": None},
    {"high_cardinality_encoder": "onehot", "missing_indicator": "all", "scaler": "robust",
     "datetime_cyclic": False},
    {"encoder": "target", "imputer": "mean", "scaler": "quantile", "text_width": 3},
]


def _table(seed, n):
    rng = np.random.default_rng(seed)
    X = pd.concat([make_column(k, n, 0.15, rng).rename(k).reset_index(drop=True)
                   for k in KINDS], axis=1)
    X["levels"] = pd.Series(rng.integers(0, 50, n)).map("lvl{}".format)
    X["small"] = pd.Series(rng.choice(np.array(["a", "b", "c", None], dtype=object), n))
    words = ["red", "green", "blue", "teal", "gold", "grey", "pink", "navy"]
    X["tags"] = pd.Series([", ".join(rng.choice(words, 3, replace=False))
                           for _ in range(n)])
    return X


def _predict_table(seed, n):
    X = _table(seed + 100, n)
    X.loc[:3, "small"] = "never seen"
    X.loc[4:5, "levels"] = "new level"
    X.loc[6, "small"] = None
    return X


def _check_same(feat, X):
    out = feat.transform(X)
    ref = feat.transformer_.transform(X)
    if feat.selector_ is not None:
        ref = feat._select(ref)
    assert out.dtype == ref.dtype
    assert out.shape == ref.shape
    assert np.array_equal(out, ref, equal_nan=True)


@pytest.mark.parametrize("config", range(len(CONFIGS)))
@pytest.mark.parametrize("target", ["binary", "multiclass", "continuous"])
def test_transform_equals_the_column_transformer_bit_for_bit(config, target):
    rng = np.random.default_rng(config)
    y = {"binary": rng.integers(0, 2, 80), "multiclass": rng.integers(0, 3, 80),
         "continuous": rng.normal(size=80)}[target]
    X = _table(config, 80)
    feat = AutoFeaturizer(random_state=0, **CONFIGS[config]).fit(X, y)
    kinds = set(feat.column_kinds_.values())
    assert {"categorical", "high_cardinality", "datetime", "text", "tokens"} <= kinds
    X_new = _predict_table(config, 30)
    for rows in (X_new, X_new.iloc[:1], X_new.iloc[[4]], X_new.iloc[[6]], X.iloc[:20]):
        _check_same(feat, rows)


@pytest.mark.parametrize("config", [0, 1])
def test_numpy_input_transform_equals_the_column_transformer(config):
    columns = ["float", "int", "nullable_float", "str", "small", "levels", "text", "tags",
               "datetime_strings"]
    X = _table(config, 80)[columns]
    y = np.arange(80) % 2
    feat = AutoFeaturizer(random_state=0, **CONFIGS[config]).fit(X.to_numpy(object), y)
    X_new = _predict_table(config, 20)[columns].to_numpy(object)
    _check_same(feat, X_new)
    _check_same(feat, X_new[:1])
    numbers = _table(config, 80)[["float", "int", "huge", "tiny"]].to_numpy(float)
    feat = AutoFeaturizer(random_state=0, **CONFIGS[config]).fit(numbers, y)
    _check_same(feat, numbers[:1])
    _check_same(feat, numbers[::-1])


def test_selected_output_equals_the_column_transformer():
    X = _table(3, 80)
    y = np.arange(80) % 2
    feat = AutoFeaturizer(selector="mutual_info", k=5, random_state=0).fit(X, y)
    _check_same(feat, _predict_table(3, 20))


@pytest.mark.parametrize("method", ["onehot", "ordinal", "target"])
def test_encoder_lookup_equals_the_sklearn_encoder(method):
    X = pd.DataFrame({
        "mixed": pd.Series([1, "1", 1.0, True, "yes", None, "nan", 2.5] * 5, dtype=object),
        "cat": pd.Categorical(["u", "v", None, "w", "u"] * 8),
        "ints": np.arange(40) % 7,
    })
    y = np.arange(40) % 2
    enc = CategoricalEncoder(method, max_categories=4 if method != "target" else None,
                             random_state=0).fit(X, y)
    X_new = pd.DataFrame({
        "mixed": pd.Series(["1", 2.5, "unseen", None, np.nan, "True", 7], dtype=object),
        "cat": pd.Categorical(["w", None, "u", "v", "u", "w", "v"]),
        "ints": [0, 6, 99, 1, 2, 3, -1],
    })
    ref = enc.transform(X_new)
    for rows in (X_new, X_new.iloc[[2]]):
        out = enc._transform_columns(list(rows.items()))
        expected = ref[: len(rows)] if len(rows) > 1 else ref[[2]]
        assert out.dtype == expected.dtype
        assert np.array_equal(out, expected)
    del enc._lookup  # an encoder fitted before the lookup tables existed
    assert np.array_equal(enc._transform_columns(list(X_new.items())), ref)


def test_bad_columns_at_predict_time_name_them():
    X = _table(0, 60)
    feat = AutoFeaturizer(random_state=0).fit(X, np.arange(60) % 2)
    X_new = _predict_table(0, 10)
    with pytest.raises(ValueError, match="same order"):
        feat.transform(X_new[X_new.columns[::-1]])
    with pytest.raises(ValueError, match="missing:\n- float"):
        feat.transform(X_new.drop(columns=["float"]))
    with pytest.raises(ValueError, match="unseen at fit time:\n- extra"):
        feat.transform(X_new.assign(extra=1.0))
    with pytest.raises(ValueError, match="Column 'float' should hold numbers"):
        feat.transform(X_new.assign(float="abc"))
    with pytest.raises(ValueError, match="Column 'datetime' holds numbers"):
        feat.transform(X_new.assign(datetime=1.5))
