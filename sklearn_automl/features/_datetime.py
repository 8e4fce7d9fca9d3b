"""Datetime columns: calendar parts, cyclic encodings and elapsed time.

This module imports only numpy/pandas/sklearn (and its siblings through
single-line relative imports that ``export_code`` strips when it inlines
the package).
"""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._columns import datetime_format, float_dtype, parse_datetime, validate_table

__all__ = ["DatetimeFeatures"]

logger = logging.getLogger("sklearn_automl")

#: calendar parts DatetimeFeatures can extract
COMPONENTS = (
    "year", "month", "day", "dayofweek", "dayofyear", "hour", "minute", "is_weekend",
)
#: period of the parts that get a sin/cos encoding
_PERIODS = {"month": 12, "day": 31, "dayofweek": 7, "dayofyear": 366, "hour": 24,
            "minute": 60}
_FIRST = {"month": 1, "day": 1, "dayofyear": 1}
_ACCESSORS = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Turn date/time columns into numeric features.

    Each column gives its calendar parts (year, month, day, day of week, day
    of year, hour, minute, is-weekend), optionally a sin/cos pair for each
    cyclic part (so that December is next to January for a linear model),
    and the elapsed time in days since 1970-01-01.

    Accepted columns: ``datetime64`` (naive or tz-aware: parts are taken in
    the column's own time zone, the one seen in ``fit``), periods, and
    strings. Strings are parsed with the format inferred in ``fit`` (or
    pandas' per-value ``"mixed"`` parser when no single format fits; strings
    with UTC offsets give UTC times). Entries that do not parse, in ``fit`` or
    later, are treated as missing: their features are NaN, and a warning on
    the ``"sklearn_automl"`` logger names the column and the count. A column
    that arrives as numbers raises a ``ValueError`` naming it.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    components : "auto" or list of str, default="auto"
        Parts to extract, from ``("year", "month", "day", "dayofweek",
        "dayofyear", "hour", "minute", "is_weekend")``. ``"auto"``: those
        that vary in the ``fit`` data (no hour for plain dates).
    cyclic : bool, default=True
        Add ``sin``/``cos`` encodings of month, day, day of week, day of
        year, hour and minute (those among ``components``).
    elapsed : bool, default=True
        Add the elapsed time in days since 1970-01-01 (a trend feature).
    dtype : numpy float dtype, default=np.float64
        Dtype of the output.

    Attributes
    ----------
    components_ : list of list of str
        Parts extracted from each column.
    formats_ : list of str or None
        The strptime format (or ``"mixed"``) used for each string column;
        ``None`` for datetime columns.
    timezones_ : list
        Time zone of each column in ``fit`` (``None`` when naive).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import DatetimeFeatures
    >>> X = pd.DataFrame({"day": ["2024-01-06", "2024-02-14", "2024-03-31"]})
    >>> dt = DatetimeFeatures(cyclic=False).fit(X)
    >>> dt.get_feature_names_out()
    array(['day_month', 'day_day', 'day_dayofweek', 'day_dayofyear',
           'day_is_weekend', 'day_elapsed_days'], dtype=object)
    >>> dt.transform(pd.DataFrame({"day": ["2024-12-25", "not a date"]}))
    array([[1.2000e+01, 2.5000e+01, 2.0000e+00, 3.6000e+02, 0.0000e+00,
            2.0082e+04],
           [       nan,        nan,        nan,        nan,        nan,
                   nan]])
    """

    _parameter_constraints: ClassVar[dict] = {
        "components": [StrOptions({"auto"}), list, tuple],
        "cyclic": ["boolean"],
        "elapsed": ["boolean"],
        "dtype": "no_validation",
    }

    def __init__(self, components="auto", *, cyclic=True, elapsed=True, dtype=np.float64):
        self.components = components
        self.cyclic = cyclic
        self.elapsed = elapsed
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Infer each column's format and time zone and the parts to extract.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Dates: datetime columns or strings.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit(X, transform=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then transform ``X`` (parsing it once).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        return self._fit(X, transform=True)

    def _fit(self, X, *, transform):
        float_dtype(self.dtype)
        if self.components != "auto":
            unknown = sorted(set(self.components) - set(COMPONENTS))
            if unknown:
                raise ValueError(
                    f"Unknown datetime component(s) {unknown}; choose among "
                    f"{list(COMPONENTS)}."
                )
        frame = _frame(validate_table(self, X, reset=True))
        self.formats_, self.timezones_, self.components_ = [], [], []
        parsed = []
        for name, col in frame.items():
            fmt = None
            if not _is_datetime_dtype(col.dtype):
                _check_not_numbers(col, name)
                fmt = datetime_format(col.dropna().iloc[:1000])
            self.formats_.append(fmt)
            values = self._parse(col, name, fmt, None, fitting=True)
            self.timezones_.append(values.dt.tz)
            if self.components == "auto":
                keep = [c for c in COMPONENTS if _varies(_part(values, c))]
            else:
                keep = [c for c in COMPONENTS if c in self.components]
            self.components_.append(keep)
            parsed.append(values)
        if not transform:
            return None
        return self._assemble(parsed, len(frame))

    def transform(self, X):
        """Extract the parts learnt in ``fit``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            NaN where a date is missing or did not parse.
        """
        check_is_fitted(self, "components_")
        return self._transform_columns(validate_table(self, X, reset=False))

    def _transform_columns(self, X):
        """``transform`` of a table already validated (an array, or the
        ``(name, Series)`` pairs of its columns)."""
        items = X if isinstance(X, list) else list(_frame(X).items())
        parsed = [
            self._parse(col, name, self.formats_[j], self.timezones_[j])
            for j, (name, col) in enumerate(items)
        ]
        return self._assemble(parsed, len(items[0][1]) if items else len(X))

    def _parse(self, col, name, fmt, tz, fitting=False):
        if isinstance(col.dtype, pd.PeriodDtype):
            values = col.dt.to_timestamp()
        elif _is_datetime_dtype(col.dtype):
            values = col
        else:
            _check_not_numbers(col, name)
            values = parse_datetime(col, fmt or "mixed")
            failed = int((values.isna() & col.notna()).sum())
            if failed:
                logger.warning(
                    "Column %r: %d value(s) do not parse as dates (format %r) and "
                    "are treated as missing, e.g. %s.", name, failed, fmt,
                    pd.unique(col[values.isna() & col.notna()].astype(str))[:3].tolist(),
                )
        if fitting:
            return values
        if values.dt.tz is not None:
            values = values.dt.tz_convert(tz or "UTC")
            if tz is None:
                values = values.dt.tz_localize(None)
        elif tz is not None:
            values = values.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        return values

    def _assemble(self, parsed, n_rows):
        # Each part is computed and written straight into the output: a few
        # float64 temporaries at a time, not every part of every column.
        out = np.empty((n_rows, self._n_outputs()), dtype=float_dtype(self.dtype))
        j = 0
        for values, keep in zip(parsed, self.components_, strict=True):
            for c in keep:
                part = _part(values, c)
                out[:, j] = part
                j += 1
                if self.cyclic and c in _PERIODS:
                    angle = (part - _FIRST.get(c, 0)) * (2 * np.pi / _PERIODS[c])
                    out[:, j] = np.sin(angle)
                    out[:, j + 1] = np.cos(angle)
                    j += 2
            if self.elapsed:
                out[:, j] = _part(values, "elapsed_days")
                j += 1
        return out

    def _n_outputs(self):
        return sum(
            len(keep) + (2 * sum(c in _PERIODS for c in keep) if self.cyclic else 0)
            + bool(self.elapsed)
            for keep in self.components_
        )

    def get_feature_names_out(self, input_features=None):
        """``<column>_<part>``, ``<column>_<part>_sin``/``_cos``, ``<column>_elapsed_days``.

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "components_")
        names = _check_feature_names_in(self, input_features)
        out = []
        for name, keep in zip(names, self.components_, strict=True):
            for c in keep:
                out.append(f"{name}_{c}")
                if self.cyclic and c in _PERIODS:
                    out.extend((f"{name}_{c}_sin", f"{name}_{c}_cos"))
            if self.elapsed:
                out.append(f"{name}_elapsed_days")
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _frame(X):
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, copy=False)


def _is_datetime_dtype(dtype):
    return pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)


def _check_not_numbers(col, name):
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise ValueError(
            f"Column {name!r} holds numbers ({col.dtype}) where dates were expected "
            "(its kind is datetime); pass dates or date strings, as in fit."
        )


def _part(values, name):
    """One calendar part of a datetime Series as a float array (NaN for NaT)."""
    dt = values.dt
    if name == "elapsed_days":
        epoch = pd.Timestamp("1970-01-01", tz=dt.tz)
        series = (values - epoch).dt.total_seconds() / 86400.0
    elif name == "is_weekend":
        dow = dt.day_of_week.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return np.where(np.isnan(dow), np.nan, dow >= 5)
    else:
        series = getattr(dt, _ACCESSORS.get(name, name))
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _varies(values):
    present = values[~np.isnan(values)]
    return present.size > 0 and bool(np.any(present != present[0]))
