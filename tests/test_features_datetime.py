"""DatetimeFeatures: parts, cyclic encodings, elapsed time, parsing, time zones."""

import logging

import numpy as np
import pandas as pd
import pytest

from sklearn_automl.features import DatetimeFeatures


def _names(dt):
    return dt.get_feature_names_out().tolist()


def test_parts_and_names():
    X = pd.DataFrame({"t": pd.to_datetime(["2024-03-02 10:15", "2023-12-25 23:45"])})
    dt = DatetimeFeatures(cyclic=False).fit(X)
    assert _names(dt) == [
        "t_year", "t_month", "t_day", "t_dayofweek", "t_dayofyear", "t_hour",
        "t_minute", "t_is_weekend", "t_elapsed_days",
    ]
    np.testing.assert_allclose(
        dt.transform(X)[0],
        [2024, 3, 2, 5, 62, 10, 15, 1, (pd.Timestamp("2024-03-02 10:15")
                                        - pd.Timestamp("1970-01-01")).days + 10.25 / 24],
    )


def test_auto_components_keep_what_varies_and_list_is_configurable():
    X = pd.DataFrame({"d": pd.date_range("2024-01-01", periods=40, freq="D")})
    assert "d_hour" not in _names(DatetimeFeatures().fit(X))
    dt = DatetimeFeatures(["month", "hour"], cyclic=False, elapsed=False).fit(X)
    assert _names(dt) == ["d_month", "d_hour"]
    with pytest.raises(ValueError, match="Unknown datetime component"):
        DatetimeFeatures(["fortnight"]).fit(X)


def test_cyclic_encodings_put_december_next_to_january():
    X = pd.DataFrame({"d": pd.to_datetime(["2024-01-15", "2024-12-15", "2024-06-15"])})
    dt = DatetimeFeatures(["month"], elapsed=False).fit(X)
    assert _names(dt) == ["d_month", "d_month_sin", "d_month_cos"]
    jan, dec, jun = dt.transform(X)[:, 1:]
    assert np.linalg.norm(jan - dec) < np.linalg.norm(jan - jun)
    np.testing.assert_allclose(jan, [0.0, 1.0], atol=1e-12)


def test_time_zones_use_the_fit_zone():
    local = pd.date_range("2024-01-01 22:00", periods=3, freq="h", tz="US/Eastern")
    dt = DatetimeFeatures(["hour"], cyclic=False, elapsed=False).fit(
        pd.DataFrame({"t": local}))
    assert dt.timezones_[0] is not None
    same_instants = pd.DataFrame({"t": local.tz_convert("UTC")})
    np.testing.assert_array_equal(dt.transform(same_instants).ravel(), [22, 23, 0])


def test_strings_parse_with_the_fit_format_and_bad_entries_become_missing(caplog):
    X = pd.DataFrame({"when": ["31/01/2024", "15/02/2024", "01/03/2024"]})
    dt = DatetimeFeatures(["day", "month"], cyclic=False, elapsed=False).fit(X)
    assert dt.formats_ == ["%d/%m/%Y"]
    later = pd.DataFrame({"when": ["20/05/2024", "yesterday", None]})
    with caplog.at_level(logging.WARNING, logger="sklearn_automl"):
        out = dt.transform(later)
    np.testing.assert_array_equal(out[0], [5, 20])  # parts come in calendar order
    assert np.isnan(out[1:]).all()
    assert "'when'" in caplog.text and "1 value(s)" in caplog.text


def test_numbers_where_dates_were_expected_name_the_column():
    dt = DatetimeFeatures().fit(pd.DataFrame({"when": ["2024-01-01", "2024-02-01"]}))
    with pytest.raises(ValueError, match="Column 'when' holds numbers"):
        dt.transform(pd.DataFrame({"when": [20240101, 20240201]}))


def test_all_missing_at_predict_and_periods():
    X = pd.DataFrame({"p": pd.period_range("2024-01", periods=4, freq="M")})
    dt = DatetimeFeatures(cyclic=False).fit(X)
    assert dt.transform(X)[1, 0] == 2  # month of 2024-02
    out = dt.transform(pd.DataFrame({"p": pd.Series([pd.NaT, pd.NaT],
                                                    dtype="datetime64[ns]")}))
    assert np.isnan(out).all()


def test_numpy_datetime_arrays():
    X = np.array([["2024-01-01"], ["2024-07-01"]], dtype="datetime64[ns]")
    out = DatetimeFeatures(["month"], cyclic=False, elapsed=False).fit_transform(X)
    np.testing.assert_array_equal(out.ravel(), [1, 7])
