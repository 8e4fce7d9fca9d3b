"""Saving and loading fitted searches: joblib with a version check, or skops.

A fitted search is ordinary Python objects, so ``joblib.dump`` saves it.
Its pickled state also records the versions of sklearn_automl,
scikit-learn and LightGBM it was saved with, and of the optional libraries
its final model uses (CatBoost, torch); unpickling it with other
versions gives one :class:`ModelVersionWarning` naming both (the model may
predict differently, or fail). :func:`load` reads such a file and silences
scikit-learn's per-estimator version warnings in favour of that one.

Pickles execute code when loaded: load only files you trust. ``skops.io``
is the safer format (the ``skops`` extra): it loads only the types it is
told to trust, and :func:`trusted_types` lists those this library's fitted
estimators contain, so that what is left to review are the user's own.
The neural networks (``mlp_net``, the :mod:`sklearn_automl.nas` estimators)
store their weights as numpy arrays, so no torch or skorch type needs to be
trusted.
"""

from __future__ import annotations

import warnings

import pandas as pd
from sklearn.exceptions import InconsistentVersionWarning

__all__ = ["ModelVersionWarning", "PersistenceMixin", "load", "trusted_types"]

_VERSIONS_KEY = "_saved_versions"
#: marks a DataFrame attribute stored as plain columns (skops cannot store frames)
_FRAME_KEY = "__sklearn_automl_dataframe__"


#: the optional library each built-in family that needs one fits with
_FAMILY_LIBRARIES = {"catboost": "catboost", "mlp_net": "torch"}


def library_versions(*libraries):
    """The versions a saved model records: ``{library: version}``.

    sklearn_automl, scikit-learn and LightGBM always; ``libraries`` (the
    optional ones a model uses, such as ``"catboost"``) as installed, read
    from their package metadata without importing them (``"absent"`` when
    not installed).
    """
    from importlib import metadata

    import lightgbm
    import sklearn

    from . import __version__

    out = {"sklearn_automl": __version__, "scikit-learn": sklearn.__version__,
           "lightgbm": lightgbm.__version__}
    for name in libraries:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def _libraries_used(estimator):
    """The optional libraries of the families in ``estimator``'s final model."""
    families = set()
    history = getattr(estimator, "history_", None)
    members = set(getattr(estimator, "ensemble_members_", None) or ())
    if history is not None and members:
        families |= {t.family for t in history.trials if t.trial_id in members}
    if getattr(estimator, "best_family_", None):
        families.add(estimator.best_family_)
    return sorted({_FAMILY_LIBRARIES[f] for f in families if f in _FAMILY_LIBRARIES})


class ModelVersionWarning(UserWarning):
    """A model is loaded with other library versions than it was saved with.

    Attributes
    ----------
    saved : dict
        ``{library: version}`` when the model was saved.
    current : dict
        ``{library: version}`` now.
    """

    def __init__(self, estimator, saved, current):
        self.saved = dict(saved)
        self.current = dict(current)
        differ = [k for k in current if saved.get(k) != current[k]]
        then = ", ".join(f"{k} {saved.get(k, '?')}" for k in differ)
        now = ", ".join(f"{k} {current[k]}" for k in differ)
        super().__init__(
            f"This {estimator} was saved with {then} and is loaded with {now}; its "
            "predictions may differ or fail. Refit it with these versions, or "
            "load it where the versions it was saved with are installed."
        )


class PersistenceMixin:
    """Pickled state that records library versions and stores frames as columns.

    ``__getstate__`` adds the versions of :func:`library_versions` (with the
    optional libraries of the final model's families) and turns
    DataFrame attributes (``leaderboard_``) into plain columns, which skops
    can store; ``__setstate__`` restores them and warns once
    (:class:`ModelVersionWarning`) when the versions differ.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())
        state[_VERSIONS_KEY] = library_versions(*_libraries_used(self))
        for key, value in state.items():
            if isinstance(value, pd.DataFrame):
                state[key] = _frame_state(value)
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop(_VERSIONS_KEY, None)
        for key, value in state.items():
            if isinstance(value, dict) and _FRAME_KEY in value:
                state[key] = _frame_from_state(value)
        super().__setstate__(state)
        if saved is not None:  # the optional libraries the model recorded
            current = library_versions(*(k for k in saved
                                         if k in _FAMILY_LIBRARIES.values()))
            if any(saved.get(k) != v for k, v in current.items()):
                warnings.warn(ModelVersionWarning(type(self).__name__, saved, current),
                              stacklevel=2)


def _frame_state(frame):
    return {_FRAME_KEY: 1, "columns": list(frame.columns),
            "columns_dtype": str(frame.columns.dtype),
            "dtypes": [str(d) for d in frame.dtypes],
            "data": [frame.iloc[:, j].to_numpy() for j in range(frame.shape[1])],
            "index": frame.index.to_numpy()}


def _frame_from_state(state):
    frame = pd.DataFrame(
        {j: pd.Series(values, dtype=_dtype(dtype), index=state["index"])
         for j, (values, dtype) in enumerate(zip(state["data"], state["dtypes"],
                                                 strict=True))})
    frame.columns = pd.Index(state["columns"],
                             dtype=_dtype(state.get("columns_dtype", "object")))
    return frame


def _dtype(name):
    try:
        return pd.api.types.pandas_dtype(name)
    except TypeError:
        return object


def load(file, *, format="joblib", trusted=None):
    """Load a fitted estimator saved with ``joblib.dump`` or ``skops.io.dump``.

    A model saved with other versions of sklearn_automl, scikit-learn or
    LightGBM gives one :class:`ModelVersionWarning` naming both versions
    (scikit-learn's own per-estimator ``InconsistentVersionWarning`` is
    silenced in its favour).

    .. warning::
        A joblib (pickle) file runs code when it is loaded: load only files
        you trust. ``format="skops"`` loads only trusted types.

    Read more in :ref:`persistence`.

    Parameters
    ----------
    file : str, path-like or file object
    format : {"joblib", "skops"}, default="joblib"
        ``"skops"`` needs the ``skops`` package (the ``skops`` extra).
    trusted : list of str, optional
        With ``"skops"``: further type names to trust besides
        :func:`trusted_types` (your own estimators, after reviewing
        ``skops.io.get_untrusted_types``); a type neither lists is refused
        with skops' ``UntrustedTypesFoundException``.

    Returns
    -------
    estimator : object

    Examples
    --------
    >>> import joblib, tempfile, os
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier, load
    >>> X, y = load_iris(return_X_y=True)
    >>> model = AutoMLClassifier(time_budget=None, max_trials=1, random_state=0,
    ...                          estimators=["linear"]).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.joblib")
    >>> _ = joblib.dump(model, path)
    >>> (load(path).predict(X) == model.predict(X)).all()
    np.True_
    """
    if format not in ("joblib", "skops"):
        raise ValueError(f"format must be 'joblib' or 'skops', got {format!r}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        if format == "joblib":
            import joblib

            return joblib.load(file)
        try:
            import skops.io as sio
        except ImportError:
            raise ImportError(
                "format='skops' needs the skops package: pip install "
                "'sklearn_automl[skops]'."
            ) from None
        return sio.load(file, trusted=trusted_types() + list(trusted or []))


def trusted_types():
    """Type names a fitted search of this library holds, for ``skops.io.load``.

    skops trusts numpy, scipy and most of scikit-learn by itself; this is
    the rest: the library's own classes (the neural network estimators
    included: they store their weights as numpy arrays, so no torch or
    skorch type is needed), LightGBM's estimators, and scikit-learn
    internals the fitted objects keep. Pass it (plus the names
    of your own estimators, after review) as ``trusted``::

        import skops.io as sio
        sio.dump(model, "model.skops")
        unknown = [t for t in sio.get_untrusted_types(file="model.skops")
                   if t not in trusted_types()]   # only your own types
        model = sio.load("model.skops", trusted=trusted_types() + unknown)

    Returns
    -------
    names : list of str
    """
    from sklearn.metrics import get_scorer, get_scorer_names

    metrics = set()
    for name in get_scorer_names():  # the metric functions of sklearn's scorers
        func = getattr(get_scorer(name), "_score_func", None)
        if func is not None:
            metrics.add(f"{func.__module__}.{func.__qualname__}")
    return [*_TRUSTED, *sorted(metrics - set(_TRUSTED))]


#: what skops does not trust by itself in fitted searches of every built-in
#: family (the neural ones included: their networks are stored as numpy
#: weights, see sklearn_automl.nas._netbase), featurizer kind, scorer and
#: ensemble (found with skops.io.get_untrusted_types; tests/test_persistence*.py
#: checks that nothing else is needed)
_TRUSTED = (
    "sklearn_automl._estimators.AutoMLClassifier",
    "sklearn_automl._estimators.AutoMLRegressor",
    "sklearn_automl.nas._estimators.MLPNetClassifier",
    "sklearn_automl.nas._estimators.MLPNetRegressor",
    "sklearn_automl.nas._estimators.CNNNetClassifier",
    "sklearn_automl.nas._estimators.CNNNetRegressor",
    "sklearn_automl.nas._search.NASClassifier",
    "sklearn_automl.nas._search.NASRegressor",
    "sklearn_automl.nas._screening.ArchitectureCache",
    "sklearn_automl.nas._screening.ProxyScreening",
    "sklearn_automl.nas._netplan._ArchitectureKey",
    "sklearn_automl.nas._netplan._ProxyScore",
    "sklearn_automl.nas._netplan._Fixed",
    "sklearn_automl.nas._controller.ReinforceSearch",
    "sklearn_automl.search._random.RandomSearch",
    "sklearn_automl.search._bayesian.BayesianSearch",
    "sklearn_automl.search._evolution.EvolutionarySearch",
    "sklearn_automl.space._params.Categorical",
    "sklearn_automl.space._params.Float",
    "sklearn_automl.space._params.Int",
    "sklearn_automl.space._params.SearchSpace",
    "sklearn_automl._history.History",
    "sklearn_automl._history.TrialResult",
    "sklearn_automl._scoring.FallbackScorer",
    "sklearn_automl._scoring.KnownLabelsLogLoss",
    "sklearn_automl.features._auto.AutoFeaturizer",
    "sklearn_automl.features._encoders.CategoricalEncoder",
    "sklearn_automl.features._encoders.CategoryNormalizer",
    "sklearn_automl.features._datetime.DatetimeFeatures",
    "sklearn_automl.features._selection.FeatureSelector",
    "sklearn_automl.features._numeric.MissingValueIndicator",
    "sklearn_automl.features._numeric.NumericTransformer",
    "sklearn_automl.features._text.TextFeatures",
    "sklearn_automl.features._tokens.TokenFeatures",
    "sklearn_automl.ensemble._stacking.StackedEnsembleClassifier",
    "sklearn_automl.ensemble._stacking.StackedEnsembleRegressor",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
    "sklearn_automl.space._catboost.CatBoostSklearnClassifier",
    "sklearn_automl.space._catboost.CatBoostSklearnRegressor",
    "catboost.core.CatBoostClassifier",
    "catboost.core.CatBoostRegressor",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
    "sklearn.utils.validation.check_array",
    "sklearn.metrics._scorer._Scorer",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.ShuffleSplit",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.model_selection._split.StratifiedShuffleSplit",
    "sklearn.utils._bunch.Bunch",
    "sklearn.feature_selection._mutual_info.mutual_info_classif",
    "sklearn.feature_selection._mutual_info.mutual_info_regression",
    "sklearn.feature_selection._univariate_selection.f_classif",
    "sklearn.feature_selection._univariate_selection.f_regression",
    "collections.OrderedDict",
    "collections.deque",
    "functools.partial",
    "numpy.dtype",
)
