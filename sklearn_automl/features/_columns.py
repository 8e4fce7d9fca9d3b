"""Column-kind detection: what each column of a messy table holds.

This module imports only numpy/pandas/sklearn: ``export_code`` inlines it
(see :func:`sklearn_automl.features._inline.inline_source`).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

__all__ = ["KINDS", "infer_column_kinds"]

#: every kind a column can be given (by detection or by the user)
KINDS = (
    "numeric",
    "boolean",
    "categorical",
    "high_cardinality",
    "datetime",
    "text",
    "tokens",
    "id",
    "constant",
    "drop",
)
#: kinds that the featurizer leaves out of its output
DROPPED_KINDS = ("id", "constant", "drop")

#: distinct values looked at by the string heuristics (dates, numbers, text)
_SAMPLE = 1000
#: fewer rows than this and no column is called an identifier
_MIN_ID_ROWS = 50
#: "id", "user_id", "ID", "row key", "customerId" (not "paid" or "valid")
_ID_NAME = re.compile(r"(^|[_\s.-])(id|key|uuid|guid)$|^id([_\s.-]|$)", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z0-9](Id|ID)$")
#: a token of a tag list or short string: a run of anything but whitespace,
#: the separators , ; | / and brackets or quotes ("red, green" -> red, green;
#: "['a', 'b']" -> a, b; "don't" stays one token); shared by the detection
#: and :class:`TokenFeatures`
_TOKEN_CHARS = r"[^\s,;|/()\[\]{}\"'`]+"
TOKEN_PATTERN = _TOKEN_CHARS + r"(?:'" + _TOKEN_CHARS + r")*"
#: tokens per value (mean over distinct values) from which a column may be "tokens"
_MIN_TOKENS = 1.5
#: longer values with many distinct words are "text" (TF-IDF keeps word pairs)
_MAX_SHORT_TOKENS = 4
#: a "tokens" column reuses its words: each token appears, on average, in at
#: least this many of the sampled distinct values (city names, addresses,
#: ids with a prefix do not)
_MIN_TOKEN_REUSE = 3
#: a year 1600-2299 standing alone ("2024-01-31", "31/01/2024") or a time
_DATE_HINT = re.compile(r"(?:^|\D)(?:1[6-9]|2[0-2])\d\d(?:\D|$)|\d{1,2}:\d{2}")


def infer_column_kinds(X, *, kinds=None, cardinality_threshold=32, return_reasons=False):
    """Decide, per column, what it holds and so how it is featurized.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Training data: pandas ``object``, ``category``, ``string``/``str``,
        nullable ``Int64``/``Float64``/``boolean``, ``datetime64[ns]`` and
        ``datetime64[ns, tz]`` columns, or a plain numpy array (numeric or
        ``object``).
    kinds : dict, optional
        The user's decisions, column -> kind, for some or all columns; they
        are kept as given and the other columns are detected. Keys are column
        names for DataFrames and positions otherwise.
    cardinality_threshold : int, default=32
        Categorical columns with more distinct values than this are
        ``"high_cardinality"``.
    return_reasons : bool, default=False
        Also return why each column got its kind.

    Returns
    -------
    kinds : dict
        Column -> kind, in column order. The kinds are:

        - ``"numeric"``: numbers (also numbers stored as strings, timedeltas
          as seconds, and a single value with missing entries, whose
          missingness is the information);
        - ``"boolean"``: two-valued ``bool``/``boolean`` columns;
        - ``"categorical"``: at most ``cardinality_threshold`` distinct
          values (strings, ``category``, mixed objects);
        - ``"high_cardinality"``: categorical with more levels;
        - ``"datetime"``: datetime dtypes, tz-aware or not, periods, and
          strings that parse as dates (with a 4-digit year or a time);
        - ``"text"``: free text, strings of three or more words on average
          with many distinct words;
        - ``"tokens"``: short multi-token strings over a small vocabulary
          (tag lists, skills, ingredients, short phrases: ``"red, green"``,
          ``"python sql"``): more than ``cardinality_threshold`` distinct
          values, at least 1.5 tokens per value (split on whitespace and
          ``, ; | /``), each token reused in at least 3 of the sampled
          distinct values on average; values of more than 4 tokens that
          also look like free text are ``"text"`` instead;
        - ``"id"``: identifier-like, one distinct value per row (strings,
          and integers named like an id or numbering the rows ``0..n-1``
          or ``1..n``), with at least 50 rows;
        - ``"constant"``: a single value and no missing entries, or all
          missing;
        - ``"drop"``: only given by the user, to leave a column out.
    reasons : dict
        Column -> a short explanation (only with ``return_reasons=True``).

    Raises
    ------
    ValueError
        If column names are duplicated, or ``kinds`` names an unknown column
        or kind.

    See Also
    --------
    AutoFeaturizer : Featurizes a table from these kinds.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import infer_column_kinds
    >>> X = pd.DataFrame({
    ...     "age": [31, 45, None, 23],
    ...     "city": ["Paris", "Lyon", "Paris", None],
    ...     "signup": ["2024-01-05", "2024-02-11", "2024-03-01", "2024-03-09"],
    ...     "same": ["x", "x", "x", "x"],
    ... })
    >>> infer_column_kinds(X)
    {'age': 'numeric', 'city': 'categorical', 'signup': 'datetime', 'same': 'constant'}
    >>> infer_column_kinds(X, kinds={"age": "categorical"})["age"]
    'categorical'
    """
    overrides = dict(kinds or {})
    if isinstance(X, pd.DataFrame):
        check_unique_columns(X)
        columns = list(X.columns)
        get = X.__getitem__
    else:
        if not hasattr(X, "shape"):
            X = np.asarray(X, dtype=object if _has_strings(X) else None)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got shape {X.shape}.")
        columns = list(range(X.shape[1]))
        if X.dtype.kind == "O":
            frame = pd.DataFrame(X, copy=False)
            get = frame.__getitem__
        else:
            get = None
    unknown = [c for c in overrides if c not in set(columns)]
    if unknown:
        raise ValueError(
            f"kinds names column(s) {unknown} that X does not have; its columns are "
            f"{columns[:20]}{'...' if len(columns) > 20 else ''}."
        )
    bad = {c: k for c, k in overrides.items() if k not in KINDS}
    if bad:
        raise ValueError(f"Unknown kind(s) {bad}; a kind is one of {list(KINDS)}.")
    out, reasons = {}, {}
    for j, name in enumerate(columns):
        if name in overrides:
            out[name], reasons[name] = overrides[name], "given by the user"
            continue
        if get is None:
            kind, why = _array_kind(X[:, j])
        else:
            try:
                kind, why = _column_kind(get(name), name, cardinality_threshold)
            except UnicodeDecodeError:
                raise ValueError(
                    f"Column {name!r} holds bytes that are not UTF-8 text; decode "
                    "it to str first (e.g. with .str.decode('latin-1'))."
                ) from None
        out[name], reasons[name] = kind, why
    return (out, reasons) if return_reasons else out


def check_unique_columns(X):
    """Raise a ValueError naming duplicated column names of DataFrame ``X``."""
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(
            f"X has duplicated column name(s) {dup}; each column needs a unique "
            "name so that it is featurized the same way at fit and predict time."
        )


def _has_strings(X):
    """Whether ``X`` holds anything but numbers (strings, objects, dates)."""
    try:
        return np.asarray(X).dtype.kind in "OUSMm"
    except (TypeError, ValueError):
        return True


def _array_kind(values):
    if values.dtype.kind == "b":
        n_unique = len(np.unique(values))
        return ("boolean", "bool values") if n_unique == 2 else ("constant", "one value")
    if values.dtype.kind == "M":
        return "datetime", "datetime64 values"
    values = values.astype(np.float64, copy=False)
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return "constant", "all values missing"
    if finite.size == values.size and np.all(finite == finite[0]):
        return "constant", "one value"
    return "numeric", "numbers"


def _column_kind(col, name, threshold):
    dtype = col.dtype
    n = len(col)
    missing = col.isna()
    n_missing = int(missing.sum())
    if n_missing == n:
        return "constant", "all values missing"
    if isinstance(dtype, pd.CategoricalDtype):
        return _label_kind(col, missing, n_missing, threshold, "category")
    if pd.api.types.is_bool_dtype(dtype):
        n_unique = col.nunique(dropna=True)
        if n_unique == 2:
            return "boolean", "bool values"
        return _single("boolean", n_missing)
    if pd.api.types.is_numeric_dtype(dtype):
        n_unique = col.nunique(dropna=True)
        if n_unique == 1:
            return _single("numeric", n_missing)
        if (
            pd.api.types.is_integer_dtype(dtype)
            and n_missing == 0
            and n_unique == n >= _MIN_ID_ROWS
            and _integer_id(col, name)
        ):
            return "id", "distinct integers per row, named or ordered like an id"
        return "numeric", f"numbers, {n_unique} distinct"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "numeric", "durations (in seconds)"
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        if col.nunique(dropna=True) == 1 and n_missing == 0:
            return "constant", "one date"
        return "datetime", "datetime dtype"
    return _label_kind(col, missing, n_missing, threshold, "strings")


def _single(kind, n_missing):
    if n_missing:
        return kind, "one value plus missing entries (the missingness is kept)"
    return "constant", "one value"


def _integer_id(col, name):
    if isinstance(name, str) and (_ID_NAME.search(name) or _CAMEL_ID.search(name)):
        return True
    # A row number: exactly 0..n-1 or 1..n (years and other runs are data).
    low, high = col.min(), col.max()
    return low in (0, 1) and high - low + 1 == len(col)


def _label_kind(col, missing, n_missing, threshold, what):
    """Kind of a column of labels: strings, categories or mixed objects."""
    present = col[~missing] if n_missing else col
    if isinstance(col.dtype, pd.CategoricalDtype):
        uniques = pd.unique(present.cat.remove_unused_categories().cat.categories)
        uniques = np.asarray(uniques, dtype=object)
    else:
        uniques = pd.unique(present.to_numpy(dtype=object))
    n_unique = len(uniques)
    n_present = len(col) - n_missing
    if n_unique == 1:
        return ("categorical", "one value plus missing entries") if n_missing else (
            "constant", "one value"
        )
    sample = uniques[:_SAMPLE]
    types = {type(v) for v in sample}
    if types <= {bool, np.bool_}:
        return "boolean", "True/False objects"
    if all(issubclass(t, (int, float, np.number)) and not issubclass(t, (bool, np.bool_))
           for t in types):
        return "numeric", f"numbers stored as objects, {n_unique} distinct"
    strings = pd.Series(sample, dtype=object).astype(str)
    if what == "strings" and _all_numbers(strings) and _all_numbers(
        pd.Series(uniques, dtype=object).astype(str)
    ):
        return "numeric", f"numbers stored as strings, {n_unique} distinct"
    if what == "strings" and looks_like_dates(strings):
        return "datetime", "strings that parse as dates"
    if n_unique <= threshold:
        return "categorical", f"{n_unique} distinct {what}"
    text = _looks_like_text(strings)
    n_tokens, n_vocabulary, reuse = token_statistics(strings)
    if (
        n_tokens >= _MIN_TOKENS and reuse >= _MIN_TOKEN_REUSE
        and (n_tokens <= _MAX_SHORT_TOKENS or not text)
    ):
        return "tokens", (
            f"{n_unique} distinct {what}, {n_tokens:.1f} tokens each on average from "
            f"a small vocabulary ({n_vocabulary} tokens in {len(strings)} sampled "
            "values): bag of words"
        )
    if text:
        return "text", "free text: several words per value, many distinct words"
    if n_unique == n_present == len(col) and n_present >= _MIN_ID_ROWS:
        return "id", f"one distinct value per row ({n_unique})"
    return "high_cardinality", f"{n_unique} distinct {what} (> {threshold})"


def _all_numbers(strings):
    parsed = pd.to_numeric(strings, errors="coerce")
    return bool(parsed.notna().all())


def looks_like_dates(strings):
    """Whether string values (a sample of distinct ones) are dates."""
    hinted = strings.str.contains(_DATE_HINT, regex=True)
    if hinted.mean() < 0.9:
        return False
    fmt = datetime_format(strings)
    parsed = parse_datetime(strings, fmt)
    return bool(parsed.notna().mean() >= 0.9)


def datetime_format(strings):
    """A strptime format parsing most of ``strings``, or ``"mixed"``."""
    from pandas.tseries.api import guess_datetime_format

    strings = pd.Series(strings, dtype=object).dropna().astype(str)
    for value in strings.iloc[:20]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # day-first guesses
            fmt = guess_datetime_format(value)
        if fmt is not None and parse_datetime(strings.iloc[:_SAMPLE], fmt).notna().mean() >= 0.9:
            return fmt
    return "mixed"


def parse_datetime(values, fmt):
    """Parse ``values`` with ``fmt``; what does not parse becomes ``NaT``.

    Offsets (``%z``, or a mix of them under ``"mixed"``) give UTC datetimes.
    """
    utc = "%z" in fmt or fmt == "mixed"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return pd.to_datetime(values, format=fmt, errors="coerce", utc=utc)
        except (ValueError, TypeError, OverflowError):
            return pd.to_datetime(
                pd.Series(values, dtype=object).astype(str), format=fmt,
                errors="coerce", utc=utc,
            )


def _looks_like_text(strings):
    tokens = strings.str.split()
    mean_tokens = tokens.str.len().mean()
    if not mean_tokens >= 3:
        return False
    vocabulary = {t for words in tokens.iloc[:200] for t in words}
    return len(vocabulary) >= 20


def token_statistics(strings):
    """Tokens per value, vocabulary size and reuse of a sample of distinct strings.

    Returns ``(mean tokens per value, distinct tokens, token occurrences per
    distinct token)``, tokens being :data:`TOKEN_PATTERN` matches of the
    lower-cased strings.
    """
    tokens = strings.str.lower().str.findall(TOKEN_PATTERN)
    mean_tokens = float(tokens.str.len().mean())
    flat = tokens.explode().dropna()
    n_vocabulary = int(flat.nunique())
    reuse = len(flat) / n_vocabulary if n_vocabulary else 0.0
    return mean_tokens, n_vocabulary, reuse


def validate_table(estimator, X, *, reset):
    """Validate a table for a featurizer and record/check its columns.

    DataFrames are kept as they are (their columns are featurized one by
    one); other input becomes a 2-D ndarray (numeric arrays stay numeric,
    anything else ``object``). Column names must be unique, and at predict
    time the same as in ``fit`` (sklearn's checks name the differences).
    """
    from sklearn.utils.validation import check_array, validate_data

    if isinstance(X, pd.DataFrame):
        check_unique_columns(X)
        if X.shape[0] == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={X.shape}) while a minimum "
                "of 1 is required."
            )
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        return X
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{type(estimator).__name__} takes dense input (a DataFrame or an "
            "array); sparse input is not supported."
        )
    dtype = None if _has_strings(X) else "numeric"
    X = check_array(X, dtype=dtype, ensure_all_finite="allow-nan" if dtype else False)
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    return X


def float_dtype(dtype):
    """``dtype`` as a numpy dtype; float32 and float64 are accepted."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype!r}.")
    return dtype
