"""TextFeatures: TF-IDF of words and characters, SVD width, several columns."""

import numpy as np
import pandas as pd
from scipy import sparse

from sklearn_automl.features import TextFeatures


def _reviews(rng, n):
    good = ["great", "excellent", "love", "perfect", "fast"]
    bad = ["broken", "awful", "refund", "slow", "late"]
    filler = [f"w{i}" for i in range(50)]
    y = rng.randint(0, 2, n)
    texts = [
        " ".join(rng.choice(good if label else bad, 2).tolist()
                 + rng.choice(filler, 5).tolist())
        for label in y
    ]
    return texts, y


def test_svd_bounds_the_width_of_several_columns():
    rng = np.random.RandomState(0)
    a, _ = _reviews(rng, 120)
    b, _ = _reviews(rng, 120)
    X = pd.DataFrame({"title": a, "body": b})
    tf = TextFeatures(n_components=10, random_state=0).fit(X)
    out = tf.transform(X)
    assert out.shape == (120, 10) and isinstance(out, np.ndarray)
    assert tf.get_feature_names_out()[0] == "text_svd0"
    assert len(tf.vectorizers_) == 2 and all(len(v) == 2 for v in tf.vectorizers_)


def test_sparse_tfidf_without_svd_and_names_per_column():
    X = pd.DataFrame({"t": ["red apple", "green apple", None]})
    tf = TextFeatures(analyzer="word", word_ngram_range=(1, 1), n_components=None)
    out = tf.fit_transform(X)
    assert sparse.issparse(out)
    assert tf.get_feature_names_out().tolist() == ["t_apple", "t_green", "t_red"]
    assert out[2].nnz == 0  # missing text: empty
    chars = TextFeatures(analyzer="char", char_ngram_range=(3, 3), n_components=None)
    assert "t_char_app" in chars.fit(X).get_feature_names_out()


def test_text_features_carry_the_signal():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    rng = np.random.RandomState(0)
    texts, y = _reviews(rng, 300)
    model = make_pipeline(TextFeatures(n_components=16, random_state=0),
                          LogisticRegression())
    assert cross_val_score(model, pd.DataFrame({"r": texts}), y, cv=3).mean() > 0.9


def test_empty_vocabulary_gives_no_feature_and_unseen_words_are_zero():
    X = pd.DataFrame({"blank": [None, "", None], "t": ["a b c", "b c d", "c d e"]})
    tf = TextFeatures(analyzer="word", n_components=None).fit(X)
    assert tf.vectorizers_[0] == [None]
    out = tf.transform(pd.DataFrame({"blank": ["new words"], "t": ["zzz qqq"]}))
    assert out.nnz == 0
