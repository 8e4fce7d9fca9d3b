"""Meta-features of a dataset and the portfolio warm start.

A *portfolio* is a small set of configurations that were strong and
complementary over many datasets (built offline by
``benchmarks/build_portfolio.py`` from real runs; shipped as
``sklearn_automl/data/portfolio.json``). For a new dataset its
configurations are ordered by how well they did on the most similar
datasets (by meta-features) and projected onto the current search space;
they become the first trials of the search.
"""

from __future__ import annotations

import json
import logging
import math
from importlib import resources

import numpy as np
import pandas as pd

from .features import infer_column_kinds

__all__ = [
    "META_FEATURES",
    "Portfolio",
    "greedy_portfolio",
    "initial_configs",
    "meta_features",
    "project_config",
]

logger = logging.getLogger("sklearn_automl")

#: names of the meta-features, in the order of the vectors
META_FEATURES = (
    "log_rows",
    "log_features",
    "log_rows_per_feature",
    "log_classes",
    "class_entropy",
    "minority_share",
    "share_numeric",
    "share_categorical",
    "share_text",
    "share_datetime",
    "share_missing_columns",
    "share_missing_cells",
    "landmark_stump",
    "landmark_linear",
    "landmark_1nn",
)
#: rows the landmarkers are computed on (a random subsample)
_LANDMARK_ROWS = 1000
_CATEGORICAL = ("categorical", "high_cardinality", "boolean")


def meta_features(X, y, task, *, kinds=None, random_state=0):
    """Cheap descriptors of a dataset, used to find similar ones.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    task : {"classification", "regression"}
    kinds : dict, optional
        Column kinds (as from ``infer_column_kinds``); detected when omitted.
    random_state : int, default=0
        Seed of the landmarkers' subsample and folds.

    Returns
    -------
    features : dict
        :data:`META_FEATURES` -> float: size and dimensionality (log10),
        number of classes (log2; 0 for regression), normalized class entropy
        and minority-class share (1 for regression), shares of numeric,
        categorical, text and datetime columns, of columns with missing
        values and of missing cells, and three landmarkers: the 3-fold score
        (balanced accuracy, or R^2 clipped to [-1, 1]) of a decision stump,
        a linear model and 1-nearest-neighbour on at most 1000 rows.
    """
    if kinds is None:
        kinds = infer_column_kinds(X)
    n, p = X.shape
    y = np.asarray(y)
    out = {
        "log_rows": math.log10(max(n, 1)),
        "log_features": math.log10(max(p, 1)),
        "log_rows_per_feature": math.log10(max(n, 1) / max(p, 1)),
    }
    if task == "classification":
        _, counts = np.unique(y, return_counts=True)
        share = counts / counts.sum()
        k = len(counts)
        out["log_classes"] = math.log2(k)
        out["class_entropy"] = float(-(share * np.log(share)).sum() / math.log(k)) if k > 1 else 0.0
        out["minority_share"] = float(share.min() * k)
    else:
        out["log_classes"] = 0.0
        out["class_entropy"] = 1.0
        out["minority_share"] = 1.0
    values = list(kinds.values())
    total = max(len(values), 1)
    out["share_numeric"] = sum(k == "numeric" for k in values) / total
    out["share_categorical"] = sum(k in _CATEGORICAL for k in values) / total
    out["share_text"] = sum(k == "text" for k in values) / total
    out["share_datetime"] = sum(k == "datetime" for k in values) / total
    missing = pd.DataFrame(X).isna().to_numpy()
    out["share_missing_columns"] = float(missing.any(axis=0).mean()) if p else 0.0
    out["share_missing_cells"] = float(missing.mean()) if missing.size else 0.0
    out.update(_landmarkers(X, y, task, kinds, random_state))
    return {name: float(out[name]) for name in META_FEATURES}


def _numeric_matrix(X, kinds):
    """Numbers for the landmarkers: category codes, NaN -> column median."""
    df = pd.DataFrame(X).reset_index(drop=True)
    cols = []
    for c in df.columns:
        kind = kinds.get(c, "numeric")
        if kind in ("id", "constant", "text"):
            continue
        col = df[c]
        if kind == "numeric" and pd.api.types.is_numeric_dtype(col.dtype):
            v = col.to_numpy(dtype=float, na_value=np.nan)
        elif kind == "datetime":
            v = pd.to_datetime(col, errors="coerce").astype("int64").to_numpy(float)
            v[pd.isna(col).to_numpy()] = np.nan
        else:
            codes = pd.Categorical(col.astype("object")).codes.astype(float)
            codes[codes < 0] = np.nan
            v = codes
        cols.append(v)
    if not cols:
        return np.zeros((len(df), 1))
    M = np.column_stack(cols)
    med = np.nanmedian(np.where(np.isfinite(M), M, np.nan), axis=0)
    med = np.where(np.isfinite(med), med, 0.0)
    bad = ~np.isfinite(M)
    M[bad] = np.take(med, np.nonzero(bad)[1])
    std = M.std(axis=0)
    return (M - M.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _landmarkers(X, y, task, kinds, random_state):
    import warnings

    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    rng = np.random.RandomState(random_state)
    n = X.shape[0]
    rows = np.sort(rng.choice(n, _LANDMARK_ROWS, replace=False)) if n > _LANDMARK_ROWS else (
        np.arange(n))
    Xs = _numeric_matrix(X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows], kinds)
    ys = y[rows]
    if task == "classification":
        models = {
            "landmark_stump": DecisionTreeClassifier(max_depth=1, random_state=0),
            "landmark_linear": LogisticRegression(max_iter=200),
            "landmark_1nn": KNeighborsClassifier(1),
        }
        _, counts = np.unique(ys, return_counts=True)
        folds = min(3, int(counts.min()))
        cv = StratifiedKFold(folds, shuffle=True, random_state=random_state) if (
            folds >= 2) else KFold(3, shuffle=True, random_state=random_state)
        scoring = "balanced_accuracy"
    else:
        models = {
            "landmark_stump": DecisionTreeRegressor(max_depth=1, random_state=0),
            "landmark_linear": Ridge(),
            "landmark_1nn": KNeighborsRegressor(1),
        }
        cv = KFold(3, shuffle=True, random_state=random_state)
        scoring = "r2"
    out = {}
    for name, model in models.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = float(np.mean(cross_val_score(model, Xs, ys, cv=cv,
                                                      scoring=scoring)))
        except ValueError:  # too few rows for the folds: no information
            score = 0.0
        out[name] = float(np.clip(score, -1.0, 1.0)) if np.isfinite(score) else 0.0
    return out


def project_config(config, space):
    """``config`` made valid for ``space``, or ``None`` if its family is absent.

    Unknown keys are dropped, numeric values outside a parameter's range
    are clipped into it (integers rounded), categorical values the space
    does not offer fall back to the default, and missing or newly active
    parameters get their defaults.

    Parameters
    ----------
    config : dict
        ``{"family": name, "<name>__<param>": value, ...}``.
    space : SearchSpace

    Returns
    -------
    config : dict or None
    """
    family_dist = space.params.get("family")
    family = config.get("family")
    if family_dist is None or not family_dist.contains(family):
        return None
    out = {"family": family}
    for key, value in config.items():
        dist = space.params.get(key)
        if key == "family" or dist is None:
            continue
        if dist.contains(value):
            out[key] = value
        elif hasattr(dist, "low") and isinstance(value, (int, float)) and not isinstance(
                value, bool):
            clipped = min(max(value, dist.low), dist.high)
            if isinstance(dist.low, int) and isinstance(dist.high, int):
                clipped = round(clipped)
            if dist.contains(clipped):
                out[key] = clipped
    return space.validate(out)


def greedy_portfolio(scores, size, weights=None):
    """Pick configurations that are strong and complementary, in order.

    Each step adds the configuration that most raises the weighted mean
    over datasets of the best normalized score among those picked so far.

    Parameters
    ----------
    scores : ndarray of shape (n_datasets, n_configs)
        Normalized scores (1 = best on that dataset, 0 = worst; NaN counts
        as 0).
    size : int
        How many to pick (at most ``n_configs``).
    weights : ndarray of shape (n_datasets,), optional
        Importance of each dataset (uniform by default).

    Returns
    -------
    order : list of int
        Column indices, in the order picked.
    """
    S = np.nan_to_num(np.asarray(scores, dtype=float), nan=0.0)
    n_data, n_conf = S.shape
    w = np.ones(n_data) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    best = np.zeros(n_data)
    order = []
    for _ in range(min(int(size), n_conf)):
        gains = (w[:, None] * np.maximum(S, best[:, None])).sum(axis=0)
        gains[order] = -np.inf
        j = int(np.argmax(gains))
        order.append(j)
        best = np.maximum(best, S[:, j])
    return order


class Portfolio:
    """Configurations with their normalized scores on the build datasets.

    Parameters
    ----------
    data : dict
        The parsed portfolio file: ``meta_feature_names``, ``scale``
        (``mean`` and ``std`` of the build datasets' meta-features) and per
        task (``"classification"``, ``"regression"``) ``configs``, and
        ``datasets`` (each with ``name``, ``meta_features`` and ``scores``,
        one per configuration).
    """

    def __init__(self, data):
        self.data = data

    @classmethod
    def load(cls, path=None):
        """The portfolio shipped with the package (or the file at ``path``)."""
        if path is None:
            text = resources.files("sklearn_automl").joinpath(
                "data", "portfolio.json").read_text()
        else:
            with open(path) as f:
                text = f.read()
        return cls(json.loads(text))

    def configs(self, task):
        """The portfolio's configurations for ``task``, in build order."""
        return [dict(c) for c in self.data[task]["configs"]]

    def rank(self, features, task, *, n_neighbors=5):
        """The configurations ordered for a dataset with ``features``.

        The build datasets nearest in (standardized) meta-feature space get
        the weight; the configurations are then picked greedily as in
        :func:`greedy_portfolio`, so the first is the best on similar data
        and each next one the best complement.

        Parameters
        ----------
        features : dict
            Output of :func:`meta_features`.
        task : {"classification", "regression"}
        n_neighbors : int, default=5
            Build datasets that carry weight (the rest get a small one).

        Returns
        -------
        configs : list of dict
        """
        block = self.data[task]
        names = self.data["meta_feature_names"]
        mean = np.asarray(self.data["scale"]["mean"])
        std = np.asarray(self.data["scale"]["std"])
        q = (np.array([features.get(n, 0.0) for n in names]) - mean) / std
        M = (np.array([d["meta_features"] for d in block["datasets"]]) - mean) / std
        dist = np.sqrt(((M - q) ** 2).sum(axis=1))
        weights = np.full(len(dist), 0.05)
        weights[np.argsort(dist, kind="stable")[:n_neighbors]] = 1.0
        scores = np.array([d["scores"] for d in block["datasets"]], dtype=float)
        order = greedy_portfolio(scores, scores.shape[1], weights)
        configs = block["configs"]
        return [dict(configs[j]) for j in order]


def portfolio_configs(X, y, task, space, *, kinds=None, random_state=0, portfolio=None):
    """The portfolio's configurations for ``(X, y)``, projected onto ``space``.

    Ordered by similarity of meta-features (see :meth:`Portfolio.rank`);
    configurations of families absent from ``space`` are left out, and
    duplicates after projection are dropped.
    """
    from .space import config_key

    portfolio = portfolio if portfolio is not None else Portfolio.load()
    feats = meta_features(X, y, task, kinds=kinds, random_state=random_state)
    out, seen = [], set()
    for config in portfolio.rank(feats, task):
        projected = project_config(config, space)
        if projected is None:
            continue
        key = config_key(projected)
        if key not in seen:
            seen.add(key)
            out.append(projected)
    return out


def initial_configs(given, plan, X, y, task):
    """The first configurations of a search: the portfolio's, the user's or
    each family's defaults.

    Parameters
    ----------
    given : "portfolio", list of dict or None
        The estimator's ``initial_configs``.
    plan : Plan
    X, y : training data (for the meta-features)
    task : {"classification", "regression"}
    """
    defaults = plan.default_configs()
    if given is None:
        return defaults
    if isinstance(given, str):  # "portfolio"; needs the data's meta-features
        # The portfolio holds tabular pipelines: plans without columns (images,
        # networks) search their own space from its defaults.
        if X is None or not plan.kinds:
            return defaults
        try:
            configs = portfolio_configs(X, y, task, plan.space, kinds=plan.kinds)
        except Exception as exc:  # noqa: BLE001 - a warm start is optional
            logger.warning(
                "The portfolio warm start failed (%s); starting from each "
                "family's defaults.", exc,
            )
            return defaults
        # The first family's defaults (the cheapest built-in family) lead:
        # the portfolio was built on small samples without regard to cost,
        # and a slow first trial leaves short budgets with nothing. Families
        # the portfolio does not cover (custom ones) still come early.
        covered = {c["family"] for c in configs}
        rest = [c for c in defaults[1:] if c["family"] not in covered]
        return [defaults[0], *(c for c in configs if c != defaults[0]), *rest]
    configs = []
    for i, config in enumerate(given):
        if not isinstance(config, dict):
            raise TypeError(
                f"initial_configs[{i}] must be a dict like {{'family': 'lightgbm', "
                f"'lightgbm__num_leaves': 63}}, got {type(config).__name__}."
            )
        try:
            configs.append(plan.space.validate(config))
        except ValueError as exc:
            raise ValueError(f"initial_configs[{i}]: {exc}") from None
    return configs
