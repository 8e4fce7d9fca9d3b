"""Behaviour of AutoMLClassifier / AutoMLRegressor at the public API."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from conftest import FailingClassifier
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_automl import AutoMLClassifier, AutoMLRegressor, TrialResult
from sklearn_automl._execution import SequentialExecutor
from sklearn_automl.space import Categorical, Float

FAST = {"max_trials": 4, "time_budget": None, "cv": 3, "random_state": 0}


def test_classifier_on_mixed_frame(mixed_frame):
    X, y = mixed_frame
    clf = AutoMLClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["no", "yes"]
    assert clf.n_features_in_ == X.shape[1]
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.column_kinds_ == {
        "num": "numeric", "num_missing": "numeric", "color": "categorical",
        "size": "categorical", "flag": "boolean", "count": "numeric",
    }
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.score(X, y) > 0.75
    assert clf.n_trials_ == 4
    # the refit model is the best pipeline or an ensemble of pipelines
    assert isinstance(clf.best_estimator_, Pipeline | VotingClassifier)
    assert np.isfinite(clf.best_score_)


def test_leaderboard_and_cv_results(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(**FAST).fit(X, y)
    lb = clf.leaderboard_
    assert list(lb.columns) == [
        "rank", "trial_id", "family", "fidelity", "mean_score", "std_score",
        "weight", "fit_time", "predict_time", "predict_latency_s_per_row",
        "predict_latency_s_per_row_batch1", "peak_memory_mb", "model_size_bytes",
        "profile_time_s", "status", "error", "params",
    ]
    assert lb["rank"].tolist() == sorted(lb["rank"])
    assert lb.iloc[0]["mean_score"] == pytest.approx(clf.best_score_)
    res = clf.cv_results_
    assert len(res["params"]) == clf.n_trials_
    for k in range(3):
        assert res[f"split{k}_test_score"].shape == (clf.n_trials_,)
    np.testing.assert_allclose(
        res["mean_test_score"],
        np.mean([res[f"split{k}_test_score"] for k in range(3)], axis=0),
    )
    assert res["rank_test_score"][clf.best_index_] == 1
    assert res["params"][clf.best_index_] == clf.best_params_


def test_best_params_rebuild_best_estimator(mixed_frame):
    X, y = mixed_frame
    clf = AutoMLClassifier(**FAST, ensemble_size=0).fit(X, y)
    rebuilt = clone(clf.best_estimator_).set_params(**clf.best_params_).fit(X, y)
    np.testing.assert_allclose(
        rebuilt.predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-12
    )
    for name, value in clf.best_params_.items():
        assert clf.best_estimator_.get_params()[name] == value


def test_oof_predictions_kept_for_successful_trials(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(**FAST).fit(X, y)
    for trial in clf.history_.trials:
        assert trial.status == "ok"
        assert trial.oof.shape == (len(y), 2)
        assert trial.oof.dtype == np.float32
        assert not np.isnan(trial.oof).any()  # every row is predicted by 3-fold CV


def test_oof_storage_is_bounded(binary_data):
    from sklearn_automl._history import History, TrialResult

    history = History(max_oof_trials=2)
    for i, score in enumerate([0.5, 0.9, 0.7, 0.8]):
        t = TrialResult(i, {}, "f", {}, "ok", scores=np.array([score]),
                        mean_score=score, oof=np.zeros(3, np.float32))
        history.append(t)
    kept = sorted(t.mean_score for t in history.trials if t.oof is not None)
    assert kept == [0.8, 0.9]


def test_regressor(regression_data):
    X, y = regression_data
    reg = AutoMLRegressor(**FAST).fit(X, y)
    assert reg.predict(X).shape == (len(y),)
    assert reg.score(X, y) > 0.8  # R^2
    assert reg.best_score_ < 0  # neg RMSE by default
    assert not hasattr(reg, "predict_proba")


def test_holdout_fraction_and_splitter(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(max_trials=2, time_budget=None, cv=0.25, random_state=0)
    clf.fit(X, y)
    assert clf.n_splits_ == 1
    oof = clf.history_.trials[0].oof
    assert np.isnan(oof[:, 0]).sum() == len(y) - 50  # only the 25% holdout predicted
    clf = AutoMLClassifier(max_trials=2, time_budget=None, cv=KFold(4), random_state=0)
    assert clf.fit(X, y).n_splits_ == 4


def _deterministic(clf):
    """Everything a search records that does not depend on the clock."""
    # measured costs are not reproducible (model_size_bytes is)
    lb = clf.leaderboard_.drop(columns=[
        "fit_time", "predict_time", "predict_latency_s_per_row",
        "predict_latency_s_per_row_batch1", "peak_memory_mb", "profile_time_s",
    ])
    folds = np.column_stack(
        [clf.cv_results_[f"split{k}_test_score"] for k in range(clf.n_splits_)]
    )
    configs = [t.config for t in clf.history_.trials]
    return lb, folds, configs


def test_reproducible_with_seed_and_max_trials(mixed_frame):
    X, y = mixed_frame
    # three families' defaults, then five random proposals: the seed drives the
    # folds, the models and the searcher
    params = {"max_trials": 8, "time_budget": None, "cv": 3, "initial_configs": None,
              "estimators": ["linear", "knn", "lightgbm"]}
    a = AutoMLClassifier(random_state=3, **params).fit(X, y)
    b = AutoMLClassifier(random_state=3, **params).fit(X, y)
    lb_a, folds_a, configs_a = _deterministic(a)
    lb_b, folds_b, configs_b = _deterministic(b)
    assert len(lb_a) == 8 and (lb_a["status"] == "ok").all()
    pd.testing.assert_frame_equal(lb_a, lb_b)
    np.testing.assert_array_equal(folds_a, folds_b)
    assert configs_a == configs_b
    assert a.ensemble_members_ == b.ensemble_members_
    np.testing.assert_array_equal(a.ensemble_weights_, b.ensemble_weights_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # another seed: other folds (other scores, even of the same defaults) and
    # other random proposals
    c = AutoMLClassifier(random_state=4, **params).fit(X, y)
    _, folds_c, configs_c = _deterministic(c)
    assert configs_c[:3] == configs_a[:3]  # the families' defaults
    assert not np.array_equal(folds_c[:3], folds_a[:3])
    assert configs_c[3:] != configs_a[3:]


def test_first_trials_are_family_defaults(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(max_trials=6, time_budget=None, random_state=0,
                           initial_configs=None).fit(X, y)
    assert clf.cv_results_["family"].tolist() == [
        "lightgbm", "linear", "hist_gradient_boosting", "random_forest",
        "extra_trees", "knn",
    ]
    assert clf.cv_results_["params"][0]["model__learning_rate"] == 0.05


def test_custom_estimator_entry(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=[
            "linear",
            ("svc", SVC(random_state=0),
             {"C": Float(1e-2, 1e2, log=True), "kernel": Categorical(["rbf", "linear"])}),
            ("plain_svc", SVC(random_state=0), {}),
        ],
        max_trials=6, time_budget=None, cv=3, random_state=0,
    ).fit(X, y)
    families = set(clf.cv_results_["family"])
    assert families == {"linear", "svc", "plain_svc"}
    svc_params = [p for p, f in zip(clf.cv_results_["params"], clf.cv_results_["family"])
                  if f == "svc"]
    assert all(1e-2 <= p["model__C"] <= 1e2 for p in svc_params)


@pytest.mark.parametrize(
    "entry, match",
    [
        (("svc", SVC(), {"gamma_typo": Float(0.1, 1)}), "not a parameter of SVC"),
        (("svc", SVC, {}), "estimator instance"),
        (("svc", SVC()), "tuple"),
        (("svc", SVC(), {"C": (0.1, 1)}), "Float, Int or Categorical"),
        ("boosting", "unknown family 'boosting'"),
        (("bad__name", SVC(), {}), "identifier"),
    ],
)
def test_bad_estimators_entries(binary_data, entry, match):
    X, y = binary_data
    with pytest.raises((ValueError, TypeError), match=match):
        AutoMLClassifier(estimators=[entry], **FAST).fit(X, y)


def test_regressor_in_classifier_is_rejected(binary_data):
    from sklearn.linear_model import Ridge

    X, y = binary_data
    with pytest.raises(ValueError, match="Ridge is a regressor"):
        AutoMLClassifier(estimators=[("r", Ridge(), {})], **FAST).fit(X, y)


def test_failing_trials_are_recorded(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=[("flaky", FailingClassifier(), {"fail": Categorical([True, False])})],
        **{**FAST, "max_trials": 2},
    ).fit(X, y)
    assert sorted(clf.cv_results_["status"]) == ["failed", "ok"]
    failed = clf.leaderboard_[clf.leaderboard_.status == "failed"].iloc[0]
    assert "RuntimeError: deliberate failure in fit" in failed["error"]
    assert clf.best_params_ == {"model__fail": False}


class _KnnTimesOut(SequentialExecutor):
    """Runs trials in this process; reports every knn trial as timed out after
    ``seconds``, as a family far too slow for the budget would."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def collect(self):
        return [
            TrialResult(r.trial_id, r.config, r.family, r.params, "timeout",
                        error="deadline", fidelity=r.fidelity, duration=self.seconds)
            if r.family == "knn" else r
            for r in super().collect()
        ]


def test_skipped_proposals_do_not_count_as_trials(binary_data):
    # Once a knn trial timed out after half the budget, later knn proposals are
    # predicted to overrun it and skipped: they stay in the history but count
    # neither in n_trials_ nor in max_trials.
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=["linear", "knn"], time_budget=60, max_trials=6, cv=3,
        initial_configs=None, random_state=0, executor=_KnnTimesOut(seconds=30),
    ).fit(X, y)
    status = list(clf.cv_results_["status"])
    families = list(clf.cv_results_["family"])
    assert families[:2] == ["linear", "knn"] and status[:2] == ["ok", "timeout"]
    skipped = [f for f, s in zip(families, status, strict=True) if s == "skipped"]
    assert len(skipped) >= 1 and set(skipped) == {"knn"}
    assert clf.n_trials_ == 6 == status.count("ok") + status.count("timeout")
    assert status.count("timeout") == 1  # knn never ran again
    assert len(clf.history_) == 6 + len(skipped)
    assert clf.history_.n_evaluated == 6
    assert clf.best_family_ == "linear"


def test_all_trials_failing_raises_one_clear_error(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="All 1 trial failed.*deliberate failure in fit"):
        AutoMLClassifier(
            estimators=[("broken", FailingClassifier(fail=True), {})],
            max_trials=2, time_budget=None, cv=3,
        ).fit(X, y)


def test_tiny_budget_still_returns_a_model(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(time_budget=1e-6, random_state=0)
    with pytest.warns(UserWarning, match="No trial finished"):
        clf.fit(X, y)
    assert clf.best_family_ == "linear"
    assert clf.predict(X).shape == (len(y),)
    assert np.isnan(clf.best_score_)


def test_time_budget_stops_the_search(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(time_budget=3, random_state=0).fit(X, y)
    # The budget, not a trial count, ended the search; the default space of
    # six families is far from exhausted after a few seconds.
    assert 1 <= clf.n_trials_
    assert clf.search_time_ < 3 * 1.05 + 1


def test_predict_column_policy(mixed_frame):
    X, y = mixed_frame
    clf = AutoMLClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="same order"):
        clf.predict(X[X.columns[::-1]])
    with pytest.raises(ValueError, match="missing"):
        clf.predict(X.drop(columns=["color"]))
    with pytest.raises(ValueError, match="unseen at fit time"):
        clf.predict(X.assign(extra=1.0))
    with pytest.raises(TypeError, match="fitted on a DataFrame"):
        clf.predict(X.to_numpy())


def test_unseen_category_at_predict(mixed_frame):
    X, y = mixed_frame
    clf = AutoMLClassifier(**FAST).fit(X, y)
    X2 = X.copy()
    X2["color"] = "purple"
    assert clf.predict(X2).shape == (len(X2),)


def test_nested_in_pipeline_with_column_transformer(binary_data):
    X, y = binary_data
    pipe = Pipeline([
        ("ct", ColumnTransformer([("scale", StandardScaler(), [0, 1, 2])],
                                 remainder="passthrough")),
        ("automl", AutoMLClassifier(max_trials=2, time_budget=None, cv=3,
                                    random_state=0)),
    ])
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.8


def test_grid_search_over_an_automl_parameter(binary_data):
    X, y = binary_data
    gs = GridSearchCV(
        AutoMLClassifier(time_budget=None, cv=2, random_state=0,
                         estimators=["linear", "knn"]),
        {"max_trials": [1, 2]}, cv=2, error_score="raise",
    ).fit(X, y)
    # each candidate was fitted with its own max_trials, and the refit too
    assert np.isfinite(gs.cv_results_["mean_test_score"]).all()
    assert gs.best_estimator_.n_trials_ == gs.best_params_["max_trials"]
    assert gs.best_estimator_.max_trials == gs.best_params_["max_trials"]


def test_cross_val_score(regression_data):
    X, y = regression_data
    scores = cross_val_score(
        AutoMLRegressor(max_trials=2, time_budget=None, cv=2, random_state=0), X, y,
        cv=3,
    )
    assert scores.shape == (3,)
    assert np.all(scores > 0.5)


def test_clone_and_pickle_round_trip(mixed_frame, tmp_path):
    X, y = mixed_frame
    est = AutoMLClassifier(**FAST)
    assert clone(est).get_params() == est.get_params()
    est.fit(X, y)
    path = tmp_path / "m.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert pickle.loads(pickle.dumps(est)).best_params_ == est.best_params_


@pytest.mark.parametrize("metric", ["accuracy", "mcc"])
def test_custom_scoring(binary_data, metric):
    """The best trial's fold scores are the given metric on those folds."""
    from sklearn.metrics import accuracy_score, make_scorer, matthews_corrcoef

    X, y = binary_data
    scoring, score = {
        "accuracy": ("accuracy", accuracy_score),
        "mcc": (make_scorer(matthews_corrcoef), matthews_corrcoef),
    }[metric]
    cv = KFold(3, shuffle=True, random_state=0)
    params = {"max_trials": 3, "time_budget": None, "cv": cv, "ensemble_size": 0,
              "estimators": ["linear", "knn"], "random_state": 0}
    clf = AutoMLClassifier(scoring=scoring, **params).fit(X, y)
    best = clf.history_.trials[clf.best_index_]
    # best_estimator_ is the best trial's pipeline refit on all rows: its clone
    # refit fold by fold reproduces the trial (one thread, the same seed)
    expected = [
        score(y[te], clone(clf.best_estimator_).fit(X[tr], y[tr]).predict(X[te]))
        for tr, te in cv.split(X, y)
    ]
    np.testing.assert_allclose(best.scores, expected, rtol=0, atol=1e-12)
    assert clf.best_score_ == pytest.approx(np.mean(expected))
    # the default scorer (ROC AUC on probabilities) scores the same first
    # configuration on the same folds differently
    default = AutoMLClassifier(**{**params, "max_trials": 1}).fit(X, y)
    first = clf.history_.trials[0]
    assert default.history_.trials[0].config == first.config
    assert not np.allclose(default.history_.trials[0].scores, first.scores)


def test_multiclass_default_scoring_is_log_loss():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = AutoMLClassifier(max_trials=2, time_budget=None, random_state=0).fit(X, y)
    assert clf.best_score_ < 0  # neg_log_loss
    assert clf.predict_proba(X).shape == (150, 3)


# --- bad input --------------------------------------------------------------

@pytest.mark.parametrize(
    "make_y, error, match",
    [
        (lambda y: np.where(np.arange(len(y)) == 3, np.nan, y), ValueError,
         "missing values"),
        (lambda y: np.zeros(len(y)), ValueError, "only one class"),
        (lambda y: np.c_[y, y], ValueError, "multi-output"),
        (lambda y: np.linspace(0, 1, len(y)), ValueError, "Unknown label type"),
        (lambda y: y[:-1], ValueError, "inconsistent numbers of samples"),
    ],
)
def test_bad_y_classifier(binary_data, make_y, error, match):
    X, y = binary_data
    with pytest.raises(error, match=match):
        AutoMLClassifier(**FAST).fit(X, make_y(y.astype(float)))


def test_bad_y_regressor(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="missing values"):
        AutoMLRegressor(**FAST).fit(X, np.where(np.arange(len(y)) == 0, np.nan, y))
    with pytest.raises(ValueError, match="must be numeric"):
        AutoMLRegressor(**FAST).fit(X, np.array(["a"] * len(y)))
    with pytest.raises(ValueError, match="infinity"):
        AutoMLRegressor(**FAST).fit(X, np.where(np.arange(len(y)) == 0, np.inf, y))


def test_string_labels(binary_data):
    X, y = binary_data
    labels = np.array(["cat", "dog"])[y]
    clf = AutoMLClassifier(**FAST).fit(X, labels)
    assert set(clf.predict(X)) <= {"cat", "dog"}


@pytest.mark.parametrize(
    "X, match",
    [
        (np.empty((0, 3)), "0 sample"),
        (pd.DataFrame(), "empty"),
        (np.array([[1.0, np.inf]] * 10), "infinity"),
        (pd.DataFrame({"a": [1.0, np.inf] * 5}), "Column 'a' contains infinity"),
        (np.array([["a", "b"]] * 10), "pass mixed-type data as a pandas DataFrame"),
    ],
)
def test_bad_X(X, match):
    y = np.arange(len(X)) % 2
    with pytest.raises(ValueError, match=match):
        AutoMLClassifier(**FAST).fit(X, y)


def test_duplicated_column_names_rejected():
    X = pd.DataFrame(np.zeros((10, 2)), columns=["a", "a"])
    with pytest.raises(ValueError, match="duplicated column names: \\['a'\\]"):
        AutoMLClassifier(**FAST).fit(X, np.arange(10) % 2)


def test_fewer_rows_than_folds():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="n_samples=4, fewer than the cv=5 folds"):
        AutoMLClassifier(cv=5, max_trials=1, time_budget=None).fit(X, [0, 1, 0, 1])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"scoring": "accuracy_typo"}, "not a scikit-learn scorer name"),
        ({"time_budget": -1}, "time_budget"),
        ({"max_trials": 0}, "max_trials"),
        ({"cv": 1}, "cv"),
        ({"search": "magic"}, "search"),
        ({"time_budget": None, "max_trials": None}, "Set time_budget"),
        ({"n_jobs": 0}, "n_jobs=0"),
    ],
)
def test_bad_parameters(binary_data, params, match):
    X, y = binary_data
    with pytest.raises(ValueError, match=match):
        AutoMLClassifier(**{**FAST, **params}).fit(X, y)


def test_sparse_input_rejected(binary_data):
    from scipy import sparse

    X, y = binary_data
    with pytest.raises(TypeError, match="Sparse input"):
        AutoMLClassifier(**FAST).fit(sparse.csr_matrix(X), y)


def test_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        AutoMLClassifier().predict(np.zeros((2, 2)))


def test_verbose_logs_one_line_per_trial(binary_data, caplog):
    import logging

    X, y = binary_data
    with caplog.at_level(logging.INFO, logger="sklearn_automl"):
        AutoMLClassifier(verbose=2, **FAST).fit(X, y)
    lines = [r for r in caplog.records if r.getMessage().startswith("trial ")]
    assert len(lines) == FAST["max_trials"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(r.name == "sklearn_automl" for r in lines)


@pytest.mark.parametrize("search", ["random", "grid", "bayesian", "evolutionary"])
def test_every_searcher_by_name(binary_data, search):
    from sklearn_automl.space import config_key

    X, y = binary_data
    clf = AutoMLClassifier(search=search, max_trials=9, time_budget=None, cv=3,
                           estimators=["linear", "lightgbm"], random_state=0).fit(X, y)
    configs = [t.config for t in clf.history_.trials]
    assert len(configs) == 9
    assert len({config_key(c) for c in configs}) == 9  # never the same twice
    assert clf.predict(X).shape == (len(y),)
