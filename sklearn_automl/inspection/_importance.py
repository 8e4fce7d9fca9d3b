"""Permutation importance of the input columns of a fitted search, and its plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.utils.validation import check_is_fitted

from ._base import get_axes, score_name

__all__ = ["FeatureImportanceDisplay", "permutation_importances"]


def permutation_importances(estimator, X, y, *, scoring=None, n_repeats=5,
                            max_samples=1.0, random_state=None, n_jobs=None):
    """Permutation importance of each *input* column for a fitted search.

    Each column of ``X`` as given to ``fit`` (not the engineered features:
    a datetime or text column counts once) is shuffled ``n_repeats`` times
    and the final model (``best_estimator_``: the ensemble or the best
    pipeline) predicts again; the importance is the drop of the score. It
    is :func:`sklearn.inspection.permutation_importance` applied to the
    fitted search, so the whole pipeline (featurizer included) sees the
    shuffled column. Use held-out data: on the training rows it measures
    what the model memorised.

    Read more in :ref:`inspection`.

    Parameters
    ----------
    estimator : fitted AutoMLClassifier, AutoMLRegressor, NASClassifier or \
            NASRegressor
        Any fitted estimator works; the scoring then defaults to its
        ``score`` method.
    X : {array-like, DataFrame} of shape (n_samples, n_features)
        Data with the columns seen in ``fit``.
    y : array-like of shape (n_samples,)
    scoring : str, callable or None, default=None
        ``None``: the search's own scorer (``scorer_``).
    n_repeats : int, default=5
        Shuffles per column.
    max_samples : int or float, default=1.0
        Rows drawn (without replacement) for each repeat: a count, or a
        share of the rows.
    random_state : int, RandomState or None, default=None
        Seeds the shuffles.
    n_jobs : int or None, default=None
        Columns scored in parallel (joblib).

    Returns
    -------
    importances : DataFrame
        One row per input column (the index, named ``"feature"``), most
        important first, with columns ``importance_mean``,
        ``importance_std`` and the score drop of each repeat
        (``repeat_0``, ``repeat_1``, ...), in the scorer's units.

    See Also
    --------
    FeatureImportanceDisplay : The plot of these importances.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> from sklearn_automl.inspection import permutation_importances
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=2, ensemble_size=0,
    ...                        estimators=["linear"], random_state=0).fit(X, y)
    >>> imp = permutation_importances(clf, X, y, n_repeats=2, random_state=0)
    >>> list(imp.columns)
    ['importance_mean', 'importance_std', 'repeat_0', 'repeat_1']
    """
    check_is_fitted(estimator)
    if scoring is None:
        scoring = getattr(estimator, "scorer_", None)
    result = permutation_importance(
        estimator, X, y, scoring=scoring, n_repeats=n_repeats,
        max_samples=max_samples, random_state=random_state, n_jobs=n_jobs,
    )
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
    elif getattr(estimator, "feature_names_in_", None) is not None:
        names = [str(c) for c in estimator.feature_names_in_]
    else:
        names = [f"x{i}" for i in range(result.importances.shape[0])]
    frame = pd.DataFrame(
        result.importances, index=pd.Index(names, name="feature"),
        columns=[f"repeat_{k}" for k in range(n_repeats)],
    )
    frame.insert(0, "importance_std", result.importances_std)
    frame.insert(0, "importance_mean", result.importances_mean)
    return frame.sort_values("importance_mean", ascending=False, kind="stable")


class FeatureImportanceDisplay:
    """Permutation importance of the input columns, as horizontal boxes.

    One box per column over the repeats' score drops, most important on
    top, with a vertical line at zero (columns whose shuffling does not
    hurt the model sit on it or to its left).

    Create it with :meth:`from_estimator` (which computes the importances)
    or :meth:`from_importances`; read more in :ref:`inspection`.

    Parameters
    ----------
    importances : DataFrame
        As returned by :func:`permutation_importances`.
    score_name : str, default="score"

    Attributes
    ----------
    boxplot_ : dict
        What :meth:`matplotlib.axes.Axes.boxplot` returned.
    features_ : list of str
        The columns drawn, top first.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> from sklearn_automl.inspection import FeatureImportanceDisplay
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=2, ensemble_size=0,
    ...                        estimators=["linear"], random_state=0).fit(X, y)
    >>> display = FeatureImportanceDisplay.from_estimator(
    ...     clf, X, y, n_repeats=2, random_state=0)
    >>> len(display.features_)
    4
    """

    def __init__(self, importances, *, score_name="score"):
        self.importances = importances
        self.score_name = score_name

    @classmethod
    def from_estimator(cls, estimator, X, y, *, scoring=None, n_repeats=5,
                       max_samples=1.0, random_state=None, n_jobs=None,
                       max_features=20, ax=None):
        """Compute the permutation importances of a fitted search and plot them.

        Parameters
        ----------
        estimator : fitted estimator
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Preferably held-out data.
        y : array-like of shape (n_samples,)
        scoring, n_repeats, max_samples, random_state, n_jobs
            As in :func:`permutation_importances`.
        max_features : int, default=20
            Draw the most important columns only.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : FeatureImportanceDisplay
        """
        importances = permutation_importances(
            estimator, X, y, scoring=scoring, n_repeats=n_repeats,
            max_samples=max_samples, random_state=random_state, n_jobs=n_jobs,
        )
        name = scoring if isinstance(scoring, str) else (
            score_name(estimator) if scoring is None else "score")
        return cls.from_importances(
            importances, score_name=name, max_features=max_features, ax=ax
        )

    @classmethod
    def from_importances(cls, importances, *, score_name="score", max_features=20,
                         ax=None):
        """Plot importances computed by :func:`permutation_importances`.

        Parameters
        ----------
        importances : DataFrame
        score_name : str, default="score"
        max_features : int, default=20
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : FeatureImportanceDisplay
        """
        return cls(importances, score_name=score_name).plot(
            max_features=max_features, ax=ax
        )

    def plot(self, *, max_features=20, ax=None):
        """Draw the boxes.

        Parameters
        ----------
        max_features : int, default=20
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : FeatureImportanceDisplay
        """
        fig, ax = get_axes(ax)
        top = self.importances.sort_values(
            "importance_mean", ascending=False, kind="stable"
        ).head(max_features)
        repeats = top[[c for c in top.columns if c.startswith("repeat_")]]
        self.features_ = [str(f) for f in top.index]
        positions = np.arange(len(top), 0, -1)
        self.boxplot_ = ax.boxplot(
            list(repeats.to_numpy()), positions=positions, orientation="horizontal",
            widths=0.6, tick_labels=self.features_, medianprops={"color": "black"},
        ) if len(top) else {}
        ax.axvline(0, color="tab:gray", linestyle="--", linewidth=1)
        ax.set_xlabel(f"drop in {self.score_name} when the column is shuffled")
        ax.set_ylabel("input column")
        ax.set_title("Permutation importance")
        self.ax_, self.figure_ = ax, fig
        return self
