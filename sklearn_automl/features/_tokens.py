"""Tag-list columns: a bag of words over each column's most frequent tokens.

This module imports only numpy/scipy/pandas/sklearn (and its siblings
through single-line relative imports that ``export_code`` strips when it
inlines the package).
"""

from __future__ import annotations

import math
import numbers
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._columns import TOKEN_PATTERN, float_dtype, validate_table
from ._encoders import _label

__all__ = ["TokenFeatures"]


class TokenFeatures(TransformerMixin, BaseEstimator):
    """Bag of words of short multi-token strings: tag lists, skills, ingredients.

    Each column is split into tokens on whitespace and the separators
    ``, ; | /`` (brackets and quotes too: ``"['red', 'green']"`` gives
    ``red`` and ``green``), lower-cased, and gets one feature per token it
    keeps: whether a row holds the token (or how often, with
    ``binary=False``). A column keeps its ``max_features`` tokens found in
    the most rows, among those found in at least ``min_df`` rows, so the
    width, and the memory, is bounded whatever the data. Tokens never seen
    in ``fit`` are ignored; a missing value has no token; a column with no
    token kept contributes no feature.

    This is the encoding of the ``"tokens"`` column kind (see
    :func:`infer_column_kinds`). Coding the whole string as one category
    (``"high_cardinality"``, target encoded) hides what the values share:
    ``"python sql"`` and ``"sql python java"`` are two rare levels, whereas
    the model needs to see that both hold ``sql``. Token indicators keep
    that, and a tree still recovers combinations of tokens from them.

    Only the distinct values of a column are tokenized (by
    :class:`~sklearn.feature_extraction.text.CountVectorizer`); rows are
    mapped to them with integer codes, so the cost grows with the number
    of distinct values, not of rows.

    Read more in the :ref:`User Guide <features>`.

    Parameters
    ----------
    max_features : int, default=100
        Most tokens kept per column (those found in the most rows; ties
        broken alphabetically).
    min_df : int or float, default=2
        Rows a token must be found in to be kept: a count, or a share of
        the rows (a float in (0, 1)).
    binary : bool, default=True
        1 where a row holds the token; ``False``: how many times it does.
    sparse_output : bool, default=True
        Return a CSR matrix; ``False``: a dense array.
    dtype : numpy float dtype, default=np.float64
        Dtype of the output.

    Attributes
    ----------
    vectorizers_ : list of CountVectorizer or None
        Per column, the fitted vectorizer over the kept tokens (``None``
        when no token was kept).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    See Also
    --------
    TextFeatures : TF-IDF of free text, for long strings with many words.
    AutoFeaturizer : Uses this for ``"tokens"`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import TokenFeatures
    >>> X = pd.DataFrame({"skills": ["python, sql", "SQL|excel", None, "python",
    ...                              "rust"]})
    >>> tok = TokenFeatures(sparse_output=False).fit(X)
    >>> tok.get_feature_names_out().tolist()
    ['skills_python', 'skills_sql']
    >>> tok.transform(pd.DataFrame({"skills": ["sql go", "python/sql"]}))
    array([[0., 1.],
           [1., 1.]])
    """

    _parameter_constraints: ClassVar[dict] = {
        "max_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_df": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
        ],
        "binary": ["boolean"],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",
    }

    def __init__(
        self, *, max_features=100, min_df=2, binary=True, sparse_output=True,
        dtype=np.float64,
    ):
        self.max_features = max_features
        self.min_df = min_df
        self.binary = binary
        self.sparse_output = sparse_output
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose each column's tokens.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Columns of strings (anything else is read as its string).
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
        """Fit, then transform ``X`` (tokenizing it once).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : sparse matrix or ndarray of shape (n_samples, n_features_out)
        """
        return self._finish(*self._fit(X))

    def _fit(self, X):
        dtype = float_dtype(self.dtype)
        X = validate_table(self, X, reset=True)
        n_rows = X.shape[0]
        min_rows = (
            self.min_df if isinstance(self.min_df, numbers.Integral)
            else math.ceil(self.min_df * n_rows)
        )
        self.vectorizers_, blocks = [], []
        for codes, labels in _columns(X):
            vec, counts = self._vocabulary(codes, labels, min_rows, dtype)
            self.vectorizers_.append(vec)
            if vec is not None:
                blocks.append(_rows(counts, codes))
        return blocks, n_rows

    def _vocabulary(self, codes, labels, min_rows, dtype):
        """The vectorizer of one column's kept tokens, and its distinct values' counts."""
        if not len(labels):
            return None, None
        full = self._vectorizer(None, dtype)
        try:
            counts = full.fit_transform(labels)
        except ValueError:  # no token at all (blank strings only)
            return None, None
        rows = np.bincount(codes[codes >= 0], minlength=len(labels))
        df = np.asarray((counts > 0).T @ rows).ravel()  # rows holding each token
        tokens = full.get_feature_names_out()
        candidates = np.flatnonzero(df >= min_rows)
        if not len(candidates):
            return None, None
        # most rows first, then alphabetical; kept in alphabetical order
        order = np.lexsort((tokens[candidates], -df[candidates]))
        kept = np.sort(candidates[order[: self.max_features]])
        vec = self._vectorizer(tokens[kept].tolist(), dtype).fit(labels[:1])
        return vec, counts[:, kept]

    def _vectorizer(self, vocabulary, dtype):
        return CountVectorizer(
            token_pattern=TOKEN_PATTERN, lowercase=True, binary=self.binary,
            vocabulary=vocabulary, dtype=dtype,
        )

    def transform(self, X):
        """Token features of ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : sparse matrix or ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "vectorizers_")
        return self._transform_columns(validate_table(self, X, reset=False))

    def _transform_columns(self, X):
        """``transform`` of a table already validated (an array, or the
        ``(name, Series)`` pairs of its columns)."""
        blocks = [
            _rows(vec.transform(labels), codes)
            for (codes, labels), vec in zip(_columns(X), self.vectorizers_, strict=True)
            if vec is not None
        ]
        return self._finish(blocks, len(X[0][1]) if isinstance(X, list) else X.shape[0])

    def _finish(self, blocks, n_rows):
        dtype = float_dtype(self.dtype)
        if not blocks:
            out = sparse.csr_matrix((n_rows, 0), dtype=dtype)
        else:
            out = sparse.hstack(blocks, format="csr", dtype=dtype)
        return out if self.sparse_output else out.toarray()

    def get_feature_names_out(self, input_features=None):
        """``<column>_<token>`` for every kept token, column by column.

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "vectorizers_")
        names = _check_feature_names_in(self, input_features)
        out = [
            f"{name}_{token}"
            for name, vec in zip(names, self.vectorizers_, strict=True)
            if vec is not None
            for token in vec.get_feature_names_out()
        ]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.input_tags.two_d_array = True
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = []
        return tags


def _columns(X):
    """Each column of ``X`` as ``(codes, labels)``: row -> distinct value (-1: missing).

    Only the distinct values become Python strings (as categories do, see
    :func:`~sklearn_automl.features._encoders._label`); rows stay integer codes.
    """
    if isinstance(X, list):  # (name, Series) pairs
        columns = [col for _, col in X]
    else:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, copy=False)
        columns = [col for _, col in frame.items()]
    for col in columns:
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
        else:
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
        labels = np.array([_label(u) for u in uniques], dtype=object)
        yield np.asarray(codes, dtype=np.intp), labels


def _rows(counts, codes):
    """Per-row counts from the distinct values' ``counts`` (no token where missing)."""
    counts = sparse.csr_matrix(counts)
    padded = sparse.vstack(
        [counts, sparse.csr_matrix((1, counts.shape[1]), dtype=counts.dtype)], format="csr"
    )
    return padded[codes]  # code -1 picks the empty last row
