"""Tag-list columns: detected as "tokens", encoded as a bag of words, exported.

The end-to-end test reproduces issue 19's finding on a synthetic table whose
signal is in a column of short multi-token strings over a small vocabulary:
target-encoding the whole string (the old "high_cardinality" treatment)
loses most of it, token indicators keep it.
"""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import roc_auc_score

from sklearn_automl import AutoMLClassifier
from sklearn_automl.features import (
    AutoFeaturizer,
    TokenFeatures,
    _columns,
    infer_column_kinds,
)
from sklearn_automl.features._columns import TOKEN_PATTERN

SKILLS = ["python", "sql", "java", "excel", "spark", "docker", "aws", "react",
          "linux", "git", "scala", "tableau"]
#: real city names, a third of them of two or three words
CITIES = [
    "Paris", "Lyon", "Rome", "Milan", "Oslo", "Bergen", "Lima", "Quito", "Madrid",
    "Seville", "Porto", "Lisbon", "Vienna", "Graz", "Prague", "Brno", "Warsaw",
    "Krakow", "Berlin", "Munich", "Hamburg", "Dublin", "Cork", "London", "Leeds",
    "Boston", "Denver", "Chicago", "Houston", "Seattle", "Austin", "Dallas",
    "Toronto", "Ottawa", "Sydney", "Perth", "Tokyo", "Osaka", "Seoul", "Delhi",
    "New York", "Los Angeles", "San Francisco", "San Diego", "Las Vegas",
    "Salt Lake City", "Kansas City", "Mexico City", "Buenos Aires", "Rio de Janeiro",
    "Sao Paulo", "Hong Kong", "Cape Town", "Tel Aviv", "Abu Dhabi", "Kuala Lumpur",
    "Ho Chi Minh City", "Santa Fe", "St Louis", "New Orleans", "Baton Rouge",
    "El Paso", "Fort Worth", "Little Rock", "Des Moines", "Palo Alto", "San Jose",
    "San Antonio", "Santa Cruz", "Santa Barbara", "Long Beach", "Virginia Beach",
    "Colorado Springs", "Oklahoma City", "Jersey City", "Grand Rapids", "Saint Paul",
    "Ann Arbor", "Green Bay", "Corpus Christi", "Las Palmas", "La Paz",
]


def _tag_table(n, seed, sep=" ", vocabulary=SKILLS):
    """Rows of 1-4 tags; the target is a logistic function of which tags a row has."""
    rng = np.random.RandomState(seed)
    weights = np.random.RandomState(12345).normal(scale=1.5, size=len(vocabulary))
    present = np.zeros((n, len(vocabulary)), dtype=bool)
    tags = []
    for i, k in enumerate(rng.randint(1, 5, n)):
        picked = rng.choice(len(vocabulary), k, replace=False)
        present[i, picked] = True
        tags.append(sep.join(vocabulary[j] for j in picked))
    noise = rng.normal(size=(n, 2))
    logit = present @ weights - present.sum(axis=1) * weights.mean() + 0.5 * noise[:, 0]
    y = (logit + rng.logistic(size=n) > 0).astype(int)
    return pd.DataFrame({"skills": tags, "a": noise[:, 0], "b": noise[:, 1]}), y


# ---------------------------------------------------------------- detection
@pytest.mark.parametrize("sep", [" ", ", ", "|", ";", " / "])
def test_tag_lists_are_tokens(sep):
    X, _ = _tag_table(400, 0, sep=sep)
    kinds, reasons = infer_column_kinds(X, return_reasons=True)
    assert kinds["skills"] == "tokens"
    assert "bag of words" in reasons["skills"] and "12 tokens" in reasons["skills"]


def test_list_reprs_are_tokens():
    X, _ = _tag_table(400, 0, sep=", ")
    X["skills"] = ["[" + ", ".join(repr(t) for t in s.split(", ")) + "]"
                   for s in X["skills"]]
    assert infer_column_kinds(X)["skills"] == "tokens"


def test_free_text_stays_text():
    rng = np.random.RandomState(0)
    # a Zipf-like vocabulary of 3,000 words, 6-20 words per value
    words = np.array([f"word{i}" for i in range(3000)])
    p = 1.0 / np.arange(1, 3001)
    texts = [" ".join(rng.choice(words, rng.randint(6, 20), p=p / p.sum()))
             for _ in range(500)]
    # and the long strings over a small vocabulary the other tests call text
    small = np.array([f"w{i}" for i in range(60)])
    short = [" ".join(rng.choice(small, rng.randint(4, 12))) for _ in range(200)]
    assert infer_column_kinds(pd.DataFrame({"t": texts}))["t"] == "text"
    assert infer_column_kinds(pd.DataFrame({"t": short}))["t"] == "text"


def test_short_titles_with_many_words_are_text_not_tokens():
    rng = np.random.RandomState(0)
    words = np.array([f"word{i}" for i in range(5000)])
    titles = [" ".join(rng.choice(words, rng.randint(3, 6))) for _ in range(400)]
    assert infer_column_kinds(pd.DataFrame({"t": titles}))["t"] == "text"


def test_single_token_levels_and_ids_are_not_tokens():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "shop": [f"shop_{i}" for i in rng.randint(0, 120, 300)],
        "code": [f"A-{i:04d}" for i in rng.randint(0, 150, 300)],
        "uuid": [f"id-{i:08x}" for i in rng.permutation(300)],
    })
    assert infer_column_kinds(X) == {
        "shop": "high_cardinality", "code": "high_cardinality", "uuid": "id",
    }


def test_city_names_stay_high_cardinality():
    # Two- and three-word names are entities: their words are not reused
    # across values the way tags are, so they stay one category each.
    rng = np.random.RandomState(0)
    multi_word = [c for c in CITIES if " " in c]
    for names in (CITIES, multi_word):
        X = pd.DataFrame({"city": rng.choice(names, 500)})
        kinds, reasons = infer_column_kinds(X, return_reasons=True)
        assert kinds["city"] == "high_cardinality", reasons["city"]


def test_few_tag_combinations_stay_categorical():
    combos = ["red", "red, green", "green, blue", "blue"]
    X = pd.DataFrame({"colors": np.resize(combos, 200)})
    assert infer_column_kinds(X)["colors"] == "categorical"


def test_tokens_can_be_given_and_taken_away():
    X, _ = _tag_table(200, 0)
    assert infer_column_kinds(X, kinds={"skills": "high_cardinality"})["skills"] == (
        "high_cardinality"
    )
    cities = pd.DataFrame({"city": np.resize(CITIES, 200)})
    assert infer_column_kinds(cities, kinds={"city": "tokens"})["city"] == "tokens"


# ---------------------------------------------------------------- encoder
def test_encoder_matches_count_vectorizer_on_every_row():
    X, _ = _tag_table(300, 0, sep=", ")
    X.loc[::7, "skills"] = None
    X.loc[3, "skills"] = "Python, SQL"  # case is ignored
    out = TokenFeatures(min_df=1).fit_transform(X[["skills"]])
    reference = CountVectorizer(token_pattern=TOKEN_PATTERN, binary=True)
    expected = reference.fit_transform(X["skills"].fillna(""))
    assert sparse.issparse(out) and out.dtype == np.float64
    assert (out != expected).nnz == 0
    assert out[0].nnz == 0  # a missing value has no token
    assert out[3].toarray().sum() == 2


def test_unseen_tokens_and_values_at_transform():
    X = pd.DataFrame({"tags": ["a b", "b c", "a c", "c", None, "a"]})
    tok = TokenFeatures(sparse_output=False).fit(X)
    assert tok.get_feature_names_out().tolist() == ["tags_a", "tags_b", "tags_c"]
    new = pd.DataFrame({"tags": ["zzz", "b zzz", None, "C|A", ""]})
    np.testing.assert_array_equal(
        tok.transform(new), [[0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1], [0, 0, 0]]
    )


def test_vocabulary_is_bounded_by_frequency():
    rows = ["common rare1", "common rare2", "common mid", "mid other", "other"]
    X = pd.DataFrame({"t": rows * 3 + ["once"]})
    # rows holding: common 9, mid 6, other 6, rare1 3, rare2 3, once 1
    top = TokenFeatures(max_features=3).fit(X)
    assert top.get_feature_names_out().tolist() == ["t_common", "t_mid", "t_other"]
    assert "t_once" not in TokenFeatures().fit(X).get_feature_names_out()
    share = TokenFeatures(min_df=0.5).fit(X)  # in at least 8 of 16 rows
    assert share.get_feature_names_out().tolist() == ["t_common"]


def test_counts_categories_and_several_columns():
    X = pd.DataFrame({
        "a": ["x x y", "y", "x"],
        "b": pd.Categorical(["p q", "q", "q"], categories=["p q", "q", "unused"]),
    })
    tok = TokenFeatures(min_df=1, binary=False, sparse_output=False, dtype=np.float32)
    out = tok.fit_transform(X)
    assert tok.get_feature_names_out().tolist() == ["a_x", "a_y", "b_p", "b_q"]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[2, 1, 1, 1], [0, 1, 0, 1], [1, 0, 0, 1]])
    np.testing.assert_array_equal(tok.transform(X), out)


def test_empty_vocabulary_gives_no_feature():
    X = pd.DataFrame({"blank": [None, "", " , "], "t": ["a b", "a", "b"]})
    tok = TokenFeatures().fit(X)
    assert tok.vectorizers_[0] is None
    assert tok.get_feature_names_out().tolist() == ["t_a", "t_b"]
    assert tok.transform(X).shape == (3, 2)
    assert TokenFeatures().fit_transform(X[["blank"]]).shape == (3, 0)


def test_bad_parameters_are_named():
    X = pd.DataFrame({"t": ["a b", "a"]})
    with pytest.raises(ValueError, match="max_features"):
        TokenFeatures(max_features=0).fit(X)
    with pytest.raises(ValueError, match="min_df"):
        TokenFeatures(min_df=1.5).fit(X)


# ---------------------------------------------------------------- featurizer
def test_featurizer_gives_token_columns_a_bag_of_words():
    X, y = _tag_table(300, 0, sep=", ")
    feat = AutoFeaturizer(encoder="ordinal", scaler=None).fit(X, y)
    assert feat.column_kinds_["skills"] == "tokens"
    names = feat.get_feature_names_out().tolist()
    assert [n for n in names if n.startswith("skills_")] == [
        f"skills_{s}" for s in sorted(SKILLS)
    ]
    out = feat.transform(X)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert out.shape == (300, len(SKILLS) + 2)
    first = [names.index(f"skills_{s}") for s in X["skills"][0].split(", ")]
    assert out[0, first].tolist() == [1.0] * len(first)
    assert out[0].sum() - out[0, [names.index("a"), names.index("b")]].sum() == len(first)
    assert feat.categorical_features_.tolist() == []


def test_featurizer_keeps_tokens_sparse_with_sparse_text():
    X, y = _tag_table(200, 0)
    rng = np.random.RandomState(0)
    words = np.array([f"word{i}" for i in range(3000)])
    X["note"] = [" ".join(rng.choice(words, 10)) for _ in range(200)]
    feat = AutoFeaturizer(text_width=None).fit(X, y)
    assert feat.column_kinds_["note"] == "text"
    assert sparse.issparse(feat.transform(X))


# ---------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def tag_search():
    X, y = _tag_table(600, 0)
    X_test, y_test = _tag_table(1500, 1)
    search = {"max_trials": 3, "time_budget": None, "cv": 3, "random_state": 0,
              "estimators": ["linear", "lightgbm"], "ensemble_size": 0}
    new = AutoMLClassifier(**search).fit(X, y)
    with pytest.MonkeyPatch.context() as patch:  # the detection before "tokens"
        patch.setattr(_columns, "_MIN_TOKEN_REUSE", np.inf)
        old = AutoMLClassifier(**search).fit(X, y)
    return new, old, X, y, X_test, y_test


def test_bag_of_words_recovers_the_signal(tag_search):
    new, old, _, _, X_test, y_test = tag_search
    assert new.column_kinds_["skills"] == "tokens"
    assert old.column_kinds_["skills"] == "high_cardinality"
    auc_new = roc_auc_score(y_test, new.predict_proba(X_test)[:, 1])
    auc_old = roc_auc_score(y_test, old.predict_proba(X_test)[:, 1])
    assert auc_new > 0.8 > auc_old
    assert auc_new > auc_old + 0.05


def test_joblib_round_trip(tag_search, tmp_path):
    new, _, _, _, X_test, _ = tag_search
    joblib.dump(new, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), new.predict_proba(X_test))


def test_skops_round_trip_needs_no_other_type(tag_search, tmp_path):
    sio = pytest.importorskip("skops.io")
    from sklearn_automl._persistence import load, trusted_types

    new, _, _, _, X_test, _ = tag_search
    sio.dump(new, tmp_path / "m.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "m.skops")
    assert [t for t in untrusted if t not in trusted_types()] == []
    loaded = load(tmp_path / "m.skops", format="skops")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), new.predict_proba(X_test))


_RUN_EXPORT = textwrap.dedent(
    """
    import pickle, runpy, sys

    class _NoAutoML:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "sklearn_automl":
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, _NoAutoML())
    ns = runpy.run_path(sys.argv[1] + "/model.py", run_name="exported_model")
    with open(sys.argv[1] + "/data.pkl", "rb") as f:
        X, y, X_test = pickle.load(f)
    model = ns["fit_model"](X, y)
    with open(sys.argv[1] + "/out.pkl", "wb") as f:
        pickle.dump((ns["COLUMN_KINDS"], model.predict_proba(X_test)), f)
    assert not any(m.startswith("sklearn_automl") for m in sys.modules)
    """
)


def test_export_code_rebuilds_the_token_features(tmp_path):
    hostile = "tags'); open('PWNED', 'w'); ('"
    X, y = _tag_table(300, 0, sep="; ")
    X_test, _ = _tag_table(60, 1, sep="; ")
    X = X.rename(columns={"skills": hostile})
    X_test = X_test.rename(columns={"skills": hostile})
    automl = AutoMLClassifier(estimators=["linear"], max_trials=1, time_budget=None,
                              cv=2, random_state=0, ensemble_size=0).fit(X, y)
    assert automl.column_kinds_[hostile] == "tokens"
    source = automl.export_code(tmp_path)
    compile(source, "model.py", "exec")
    assert "TokenFeatures" in source and "PWNED" not in source.replace(repr(hostile), "")
    with open(tmp_path / "data.pkl", "wb") as f:
        pickle.dump((X, y, X_test), f)
    run = subprocess.run([sys.executable, "-c", _RUN_EXPORT, str(tmp_path)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not (tmp_path / "PWNED").exists()
    with open(tmp_path / "out.pkl", "rb") as f:
        kinds, proba = pickle.load(f)
    assert kinds[hostile] == "tokens"
    np.testing.assert_allclose(proba, automl.predict_proba(X_test), rtol=1e-6, atol=1e-9)
