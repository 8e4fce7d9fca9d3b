"""Plots of a search: every trial over time, and each family's scores."""

from __future__ import annotations

import numpy as np

from ._base import (
    STATUS_MARKERS,
    check_search,
    family_colors,
    family_order,
    get_axes,
    score_name,
    trial_table,
)

__all__ = ["FamilyScoreDisplay", "SearchHistoryDisplay"]

_X_LABELS = {"time": "seconds since the search started", "trial": "trial"}


class SearchHistoryDisplay:
    """The score of every trial of a search, in the order they finished.

    One point per successful trial, coloured by model family (hollow for
    trials at a lower fidelity than the highest reached), a step line for
    the best score so far at the highest fidelity, and a marker at the
    bottom of the axes for each trial without a score (failed, timed out,
    skipped, out of memory, crashed).

    Create it with :meth:`from_estimator`; read more in :ref:`inspection`.

    Parameters
    ----------
    trials : DataFrame
        One row per trial, in the order they finished, with columns
        ``trial_id``, ``family``, ``status``, ``mean_score`` (NaN unless
        ``status == "ok"``), ``fidelity`` and ``elapsed`` (seconds since the
        search started).
    score_name : str, default="score"
        The scorer's name, for the y axis.
    family_order : list of str, default=None
        The families in the order that sets their colours (the order they
        were first tried, when made by :meth:`from_estimator`, so that the
        plots of one search colour a family alike).

    Attributes
    ----------
    scatter_ : dict of str -> matplotlib PathCollection
        The successful trials of each family.
    unscored_ : dict of str -> matplotlib PathCollection
        The markers of the trials without a score, by status.
    best_line_ : matplotlib Line2D or None
        The best score so far.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    See Also
    --------
    FamilyScoreDisplay : The distribution of each family's scores.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> from sklearn_automl.inspection import SearchHistoryDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=3, ensemble_size=0,
    ...                        estimators=["linear", "knn"], random_state=0).fit(X, y)
    >>> display = SearchHistoryDisplay.from_estimator(clf, x="trial")
    >>> display.ax_.get_xlabel()
    'trial'
    """

    def __init__(self, trials, *, score_name="score", family_order=None):
        self.trials = trials
        self.score_name = score_name
        self.family_order = family_order

    @classmethod
    def from_estimator(cls, estimator, *, x="time", ax=None, best_so_far=True,
                       legend=True):
        """Plot the history of a fitted search.

        Parameters
        ----------
        estimator : fitted AutoMLClassifier, AutoMLRegressor, NASClassifier \
                or NASRegressor
        x : {"time", "trial"}, default="time"
            The x axis: seconds since the search started when each trial
            finished, or the trial's number.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure's by default.
        best_so_far : bool, default=True
            Draw the best score so far.
        legend : bool, default=True
            Draw the legend of families and statuses.

        Returns
        -------
        display : SearchHistoryDisplay
        """
        check_search(estimator)
        display = cls(trial_table(estimator), score_name=score_name(estimator),
                      family_order=family_order(estimator))
        return display.plot(x=x, ax=ax, best_so_far=best_so_far, legend=legend)

    def plot(self, *, x="time", ax=None, best_so_far=True, legend=True):
        """Draw the trials.

        Parameters
        ----------
        x : {"time", "trial"}, default="time"
        ax : matplotlib Axes, default=None
        best_so_far : bool, default=True
        legend : bool, default=True

        Returns
        -------
        display : SearchHistoryDisplay
        """
        if x not in _X_LABELS:
            raise ValueError(f"x must be 'time' or 'trial', got {x!r}.")
        fig, ax = get_axes(ax)
        t = self.trials
        xs = (t["elapsed"] if x == "time" else t["trial_id"]).to_numpy(float)
        ok = (t["status"] == "ok").to_numpy()
        top = t.loc[ok, "fidelity"].max() if ok.any() else 1.0
        colors = family_colors(t["family"], self.family_order)
        self.scatter_ = {}
        for family, color in colors.items():
            mask = ok & (t["family"] == family).to_numpy()
            if not mask.any():
                continue
            full = t.loc[mask, "fidelity"].to_numpy() >= top
            self.scatter_[family] = ax.scatter(
                xs[mask], t.loc[mask, "mean_score"], s=28, label=family,
                edgecolors=[color], facecolors=[color if f else "none" for f in full],
                zorder=3,
            )
        self.unscored_ = {}
        for status, (marker, color) in STATUS_MARKERS.items():
            mask = (t["status"] == status).to_numpy()
            if mask.any():
                # x in data, y in axes units: at the bottom, whatever the scores
                self.unscored_[status] = ax.scatter(
                    xs[mask], np.full(mask.sum(), 0.04), marker=marker, color=color,
                    s=36, transform=ax.get_xaxis_transform(), clip_on=False,
                    label=f"{status} ({mask.sum()})", zorder=3,
                )
        self.best_line_ = None
        if best_so_far and ok.any():
            at_top = ok & (t["fidelity"].to_numpy() >= top)
            order = np.argsort(xs, kind="stable")
            scores = np.where(at_top, t["mean_score"].to_numpy(float), -np.inf)[order]
            running = np.maximum.accumulate(scores)
            shown = np.isfinite(running)
            (self.best_line_,) = ax.step(
                np.r_[xs[order][shown], xs.max()], np.r_[running[shown], running[-1]],
                where="post", color="black", linewidth=1.2, label="best so far",
                zorder=2,
            )
        if self.unscored_ and ok.any():
            # a band below the scores for the markers of unscored trials
            low, high = t.loc[ok, "mean_score"].min(), t.loc[ok, "mean_score"].max()
            span = (high - low) or max(abs(high), 1.0) * 0.1
            ax.set_ylim(low - 0.15 * span, high + 0.05 * span)
        ax.set_xlabel(_X_LABELS[x])
        ax.set_ylabel(f"cross-validated {self.score_name}")
        ax.set_title("Search history")
        if legend and (self.scatter_ or self.unscored_):
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1),
                      borderaxespad=0)
        self.ax_, self.figure_ = ax, fig
        return self


class FamilyScoreDisplay:
    """The distribution of the scores of each model family.

    A horizontal box per family over its successful trials at the highest
    fidelity reached (lower-fidelity scores come from models trained on less
    data and are left out), with each trial as a jittered point; families are
    ordered by their best score, best on top.

    Create it with :meth:`from_estimator`; read more in :ref:`inspection`.

    Parameters
    ----------
    scores : dict of str -> ndarray
        Each family's scores, in the order to draw them (top first).
    score_name : str, default="score"
    family_order : list of str, default=None
        The families in the order that sets their colours (the order they
        were first tried, when made by :meth:`from_estimator`, so that the
        plots of one search colour a family alike).

    Attributes
    ----------
    boxplot_ : dict
        What :meth:`matplotlib.axes.Axes.boxplot` returned.
    scatter_ : dict of str -> matplotlib PathCollection
        Each family's trials.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    See Also
    --------
    SearchHistoryDisplay : Every trial over time.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> from sklearn_automl.inspection import FamilyScoreDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=4, ensemble_size=0,
    ...                        estimators=["linear", "knn"], random_state=0).fit(X, y)
    >>> display = FamilyScoreDisplay.from_estimator(clf)
    >>> sorted(display.scores)
    ['knn', 'linear']
    """

    def __init__(self, scores, *, score_name="score", family_order=None):
        self.scores = scores
        self.score_name = score_name
        self.family_order = family_order

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, random_state=0):
        """Plot each family's scores of a fitted search.

        Parameters
        ----------
        estimator : fitted AutoMLClassifier, AutoMLRegressor, NASClassifier \
                or NASRegressor
        ax : matplotlib Axes, default=None
        random_state : int, default=0
            Seeds the vertical jitter of the points.

        Returns
        -------
        display : FamilyScoreDisplay
        """
        check_search(estimator)
        t = trial_table(estimator)
        ok = t[t["status"] == "ok"]
        ok = ok[ok["fidelity"] >= ok["fidelity"].max()] if len(ok) else ok
        best = ok.groupby("family")["mean_score"].max().sort_values(ascending=False)
        scores = {f: ok.loc[ok["family"] == f, "mean_score"].to_numpy() for f in best.index}
        display = cls(scores, score_name=score_name(estimator),
                      family_order=family_order(estimator))
        return display.plot(ax=ax, random_state=random_state)

    def plot(self, *, ax=None, random_state=0):
        """Draw the boxes and points.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        random_state : int, default=0

        Returns
        -------
        display : FamilyScoreDisplay
        """
        fig, ax = get_axes(ax)
        rng = np.random.default_rng(random_state)
        families = list(self.scores)
        colors = family_colors(families, self.family_order)
        # top first: the first family at the highest position
        positions = np.arange(len(families), 0, -1)
        self.boxplot_ = ax.boxplot(
            [self.scores[f] for f in families], positions=positions,
            orientation="horizontal", widths=0.6, showfliers=False,
            tick_labels=[f"{f} ({len(self.scores[f])})" for f in families],
            medianprops={"color": "black"},
        ) if families else {}
        self.scatter_ = {}
        for pos, family in zip(positions, families):
            values = self.scores[family]
            self.scatter_[family] = ax.scatter(
                values, pos + rng.uniform(-0.18, 0.18, len(values)), s=18,
                color=colors[family], alpha=0.8, zorder=3,
            )
        ax.set_xlabel(f"cross-validated {self.score_name}")
        ax.set_ylabel("model family (successful trials)")
        ax.set_title("Scores per model family")
        self.ax_, self.figure_ = ax, fig
        return self
