"""Free-text columns: TF-IDF of words and character n-grams, optional SVD.

This module imports only numpy/scipy/pandas/sklearn (and its siblings
through single-line relative imports that ``export_code`` strips when it
inlines the package).
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._columns import float_dtype, validate_table

__all__ = ["TextFeatures"]


class TextFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF features of one or several text columns, optionally reduced.

    Each column gets its own TF-IDF vocabulary of word n-grams and/or
    character n-grams (within word boundaries, robust to typos and
    inflections), capped at ``max_features`` terms each. With
    ``n_components`` the TF-IDF blocks of all columns are reduced together
    by a truncated SVD (latent semantic analysis) to a dense matrix of
    bounded width; without, the sparse TF-IDF matrix is returned. Missing
    values are empty texts; a column whose vocabulary is empty in ``fit``
    contributes no feature.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    analyzer : {"both", "word", "char"}, default="both"
        Which n-grams to count.
    word_ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes.
    char_ngram_range : tuple of int, default=(2, 4)
        Character n-gram sizes.
    max_features : int, default=10_000
        Most frequent terms kept per column and analyzer.
    n_components : int or None, default=64
        Width of the SVD output (fewer when the vocabulary or the sample is
        smaller). ``None``: no SVD, sparse output.
    dtype : numpy float dtype, default=np.float64
        Dtype of the output.
    random_state : int, RandomState instance or None, default=None
        Seeds the randomized SVD.

    Attributes
    ----------
    vectorizers_ : list of list of TfidfVectorizer or None
        Per column, the fitted vectorizers (``None`` for an empty vocabulary).
    svd_ : TruncatedSVD or None
        The fitted reduction.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import TextFeatures
    >>> X = pd.DataFrame({"review": ["great phone, great battery", "poor battery",
    ...                              "great screen", None]})
    >>> TextFeatures(n_components=2, random_state=0).fit_transform(X).shape
    (4, 2)
    >>> tf = TextFeatures(analyzer="word", n_components=None).fit(X)
    >>> tf.get_feature_names_out()[:3].tolist()
    ['review_battery', 'review_great', 'review_great battery']
    """

    _parameter_constraints: ClassVar[dict] = {
        "analyzer": [StrOptions({"both", "word", "char"})],
        "word_ngram_range": [tuple],
        "char_ngram_range": [tuple],
        "max_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "dtype": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        analyzer="both",
        *,
        word_ngram_range=(1, 2),
        char_ngram_range=(2, 4),
        max_features=10_000,
        n_components=64,
        dtype=np.float64,
        random_state=None,
    ):
        self.analyzer = analyzer
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.max_features = max_features
        self.n_components = n_components
        self.dtype = dtype
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabularies (and the SVD).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Text columns.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then transform ``X`` (counting the terms once).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : ndarray or sparse matrix of shape (n_samples, n_features_out)
        """
        return self._finish(self._fit(X))

    def _fit(self, X):
        dtype = float_dtype(self.dtype)
        X = validate_table(self, X, reset=True)
        analyzers = ["word", "char_wb"] if self.analyzer == "both" else (
            ["word"] if self.analyzer == "word" else ["char_wb"]
        )
        self.vectorizers_, blocks = [], []
        for texts in _texts(X):
            fitted = []
            for analyzer in analyzers:
                vec = TfidfVectorizer(
                    analyzer=analyzer, max_features=self.max_features,
                    ngram_range=(
                        self.word_ngram_range if analyzer == "word"
                        else self.char_ngram_range
                    ),
                    sublinear_tf=True, dtype=dtype,
                )
                try:
                    blocks.append(vec.fit_transform(texts))
                except ValueError:  # empty vocabulary: only stop words or blanks
                    vec = None
                fitted.append(vec)
            self.vectorizers_.append(fitted)
        tfidf = _hstack(blocks, X.shape[0], dtype)
        self.svd_ = None
        width = min(self.n_components or 0, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
        if self.n_components is not None and width >= 1:
            self.svd_ = TruncatedSVD(width, random_state=self.random_state)
            self.svd_.set_output(transform="default")
            self.svd_.fit(tfidf)
        return tfidf

    def transform(self, X):
        """TF-IDF (and SVD) features of ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray or sparse matrix of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "vectorizers_")
        return self._transform_columns(validate_table(self, X, reset=False))

    def _transform_columns(self, X):
        """``transform`` of a table already validated (an array, or the
        ``(name, Series)`` pairs of its columns)."""
        blocks = [
            vec.transform(texts)
            for texts, fitted in zip(_texts(X), self.vectorizers_, strict=True)
            for vec in fitted
            if vec is not None
        ]
        n_rows = len(X[0][1]) if isinstance(X, list) else X.shape[0]
        return self._finish(_hstack(blocks, n_rows, float_dtype(self.dtype)))

    def _finish(self, tfidf):
        dtype = float_dtype(self.dtype)
        if self.svd_ is not None:
            return self.svd_.transform(tfidf).astype(dtype, copy=False)
        if self.n_components is not None:  # too small to reduce: dense TF-IDF
            return tfidf.toarray().astype(dtype, copy=False)
        return tfidf

    def get_feature_names_out(self, input_features=None):
        """``<column>_<term>`` (``<column>_char_<ngram>``), or ``<prefix>_svd<i>``.

        The SVD prefix is the column name for one column, ``"text"`` for
        several.

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "vectorizers_")
        names = _check_feature_names_in(self, input_features)
        if self.svd_ is not None:
            prefix = names[0] if len(names) == 1 else "text"
            return np.asarray(
                [f"{prefix}_svd{i}" for i in range(self.svd_.n_components)], dtype=object
            )
        out = []
        for name, fitted in zip(names, self.vectorizers_, strict=True):
            for vec in fitted:
                if vec is None:
                    continue
                tag = "" if vec.analyzer == "word" else "char_"
                out.extend(f"{name}_{tag}{term}" for term in vec.get_feature_names_out())
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.input_tags.two_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _texts(X):
    """Each column of ``X`` as an object array of strings ("" when missing)."""
    if isinstance(X, list):  # (name, Series) pairs
        columns = [col for _, col in X]
    else:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, copy=False)
        columns = [col for _, col in frame.items()]
    for col in columns:
        yield col.astype(object).where(col.notna(), "").astype(str).to_numpy()


def _hstack(blocks, n_rows, dtype):
    if not blocks:
        return sparse.csr_matrix((n_rows, 0), dtype=dtype)
    return sparse.hstack(blocks, format="csr", dtype=dtype)
