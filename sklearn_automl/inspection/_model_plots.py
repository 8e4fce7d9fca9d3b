"""Plots of what a search chose: the ensemble's weights, and the trade-off
between score and cost (the Pareto front)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import (
    check_search,
    family_colors,
    family_order,
    get_axes,
    score_name,
    trial_table,
)

__all__ = ["EnsembleWeightsDisplay", "ParetoFrontDisplay"]

#: axis labels of the leaderboard columns a Pareto front is drawn against
_COST_LABELS = {
    "fit_time": "fit time (s, summed over the folds)",
    "predict_time": "predict time (s, summed over the folds)",
    "predict_latency_s_per_row": "predict latency (s per row, batched)",
    "predict_latency_s_per_row_batch1": "predict latency (s, one row)",
    "model_size_bytes": "model size (bytes, pickled)",
    "peak_memory_mb": "peak predict memory (MB)",
}


class EnsembleWeightsDisplay:
    """The members of the final model and their weights.

    One horizontal bar per member (a trial refit on all the data), its
    weight in the ensemble (greedy selection: the share of the steps that
    added it; stacking: its share of the meta-learner's absolute
    coefficients; a single model: 1), labelled with the trial, its family
    and its cross-validated score.

    Create it with :meth:`from_estimator`; read more in :ref:`inspection`.

    Parameters
    ----------
    members : DataFrame
        One row per member with columns ``trial_id``, ``family``, ``weight``
        and ``mean_score``, heaviest first.
    ensemble_score : float, default=nan
        The ensemble's pooled out-of-fold score (NaN for a single model).
    score_name : str, default="score"
    family_order : list of str, default=None
        The families in the order that sets their colours (the order they
        were first tried, when made by :meth:`from_estimator`, so that the
        plots of one search colour a family alike).

    Attributes
    ----------
    bars_ : matplotlib BarContainer
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> from sklearn_automl.inspection import EnsembleWeightsDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=3,
    ...                        estimators=["linear", "knn"], random_state=0).fit(X, y)
    >>> display = EnsembleWeightsDisplay.from_estimator(clf)
    >>> bool(abs(display.members["weight"].sum() - 1) < 1e-9)
    True
    """

    def __init__(self, members, *, ensemble_score=np.nan, score_name="score",
                 family_order=None):
        self.members = members
        self.ensemble_score = ensemble_score
        self.score_name = score_name
        self.family_order = family_order

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Plot the ensemble of a fitted search.

        Parameters
        ----------
        estimator : fitted AutoMLClassifier or AutoMLRegressor
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : EnsembleWeightsDisplay
        """
        check_search(estimator)
        display = cls(
            ensemble_table(estimator),
            ensemble_score=float(getattr(estimator, "ensemble_score_", np.nan)),
            score_name=score_name(estimator),
            family_order=family_order(estimator),
        )
        return display.plot(ax=ax)

    def plot(self, *, ax=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : EnsembleWeightsDisplay
        """
        fig, ax = get_axes(ax)
        m = self.members
        colors = family_colors(m["family"], self.family_order)
        positions = np.arange(len(m), 0, -1)
        self.bars_ = ax.barh(
            positions, m["weight"], color=[colors[f] for f in m["family"]], height=0.7
        )
        ax.set_yticks(positions, [f"trial {i} ({f})" for i, f in
                                  zip(m["trial_id"], m["family"])])
        for pos, weight, score in zip(positions, m["weight"], m["mean_score"]):
            ax.annotate(f" {score:.4f}", (weight, pos), va="center", fontsize="small")
        ax.set_xlim(0, max(float(m["weight"].max()) * 1.25, 0.1) if len(m) else 1)
        ax.set_xlabel("weight in the final model")
        ax.set_ylabel("member (cross-validated score at the bar's end)")
        title = f"Ensemble of {len(m)} member{'s' if len(m) != 1 else ''}"
        if np.isfinite(self.ensemble_score):
            title += f": out-of-fold {self.score_name} {self.ensemble_score:.4f}"
        ax.set_title(title)
        self.ax_, self.figure_ = ax, fig
        return self


def ensemble_table(estimator):
    """The members of a fitted search with their weight, family and score."""
    board = estimator.leaderboard_.set_index("trial_id")
    members = list(getattr(estimator, "ensemble_members_", []))
    weights = np.asarray(getattr(estimator, "ensemble_weights_", []), dtype=float)
    rows = board.loc[members, ["family", "mean_score"]].reset_index()
    rows["weight"] = weights
    return rows.sort_values("weight", ascending=False, kind="stable").reset_index(
        drop=True
    )[["trial_id", "family", "weight", "mean_score"]]


class ParetoFrontDisplay:
    """Score against cost for every trial, with the Pareto front.

    One point per successful trial at the highest fidelity reached,
    coloured by family; the trials that no other trial beats on both axes
    (a higher score at a lower or equal cost) are ringed and joined by a
    step line. The cost is a column of ``leaderboard_`` where lower is
    better (``x="fit_time"`` by default; ``"predict_latency_s_per_row"`` for
    latency, ``"model_size_bytes"`` for size).

    Create it with :meth:`from_estimator`; read more in :ref:`inspection`.

    Parameters
    ----------
    trials : DataFrame
        Columns ``trial_id``, ``family``, ``mean_score`` and ``x``.
    x_name : str
        The cost's leaderboard column.
    score_name : str, default="score"
    family_order : list of str, default=None
        The families in the order that sets their colours (the order they
        were first tried, when made by :meth:`from_estimator`, so that the
        plots of one search colour a family alike).

    Attributes
    ----------
    pareto_mask_ : ndarray of bool
        Which rows of ``trials`` are on the front.
    scatter_ : dict of str -> matplotlib PathCollection
        Each family's trials.
    front_line_ : matplotlib Line2D or None
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> from sklearn_automl.inspection import ParetoFrontDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=4, ensemble_size=0,
    ...                        estimators=["linear", "knn"], random_state=0).fit(X, y)
    >>> display = ParetoFrontDisplay.from_estimator(clf, x="predict_time")
    >>> int(display.pareto_mask_.sum()) >= 1
    True
    """

    def __init__(self, trials, *, x_name, score_name="score", family_order=None):
        self.trials = trials
        self.x_name = x_name
        self.score_name = score_name
        self.family_order = family_order

    @classmethod
    def from_estimator(cls, estimator, *, x="fit_time", ax=None, log_x="auto"):
        """Plot score against a cost column of a fitted search's leaderboard.

        Parameters
        ----------
        estimator : fitted AutoMLClassifier, AutoMLRegressor, NASClassifier \
                or NASRegressor
        x : str, default="fit_time"
            A numeric column of ``leaderboard_``, lower is better.
        ax : matplotlib Axes, default=None
        log_x : bool or "auto", default="auto"
            Log-scale the x axis; ``"auto"``: when the costs span more than
            a factor of 20.

        Returns
        -------
        display : ParetoFrontDisplay
        """
        check_search(estimator)
        board = estimator.leaderboard_
        numeric = [c for c in board.columns if pd.api.types.is_numeric_dtype(board[c])
                   and c not in ("rank", "trial_id", "mean_score", "std_score")]
        if x not in numeric:
            raise ValueError(
                f"x={x!r} is not a numeric cost column of leaderboard_; use one of "
                f"{numeric}."
            )
        t = trial_table(estimator)
        ok = t[t["status"] == "ok"]
        ok = ok[ok["fidelity"] >= ok["fidelity"].max()] if len(ok) else ok
        costs = board.set_index("trial_id")[x]
        trials = ok[["trial_id", "family", "mean_score"]].assign(
            x=costs.loc[ok["trial_id"]].to_numpy(float)
        ).reset_index(drop=True)
        display = cls(trials, x_name=x, score_name=score_name(estimator),
                      family_order=family_order(estimator))
        return display.plot(ax=ax, log_x=log_x)

    def plot(self, *, ax=None, log_x="auto"):
        """Draw the trials and the front.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        log_x : bool or "auto", default="auto"

        Returns
        -------
        display : ParetoFrontDisplay
        """
        fig, ax = get_axes(ax)
        t = self.trials
        xs, ys = t["x"].to_numpy(float), t["mean_score"].to_numpy(float)
        self.pareto_mask_ = pareto_mask(xs, ys)
        self.scatter_ = {}
        for family, color in family_colors(t["family"], self.family_order).items():
            if not (t["family"] == family).any():
                continue
            mask = (t["family"] == family).to_numpy()
            self.scatter_[family] = ax.scatter(
                xs[mask], ys[mask], s=28, color=color, label=family, alpha=0.85,
                zorder=3,
            )
        self.front_line_ = None
        if self.pareto_mask_.any():
            order = np.argsort(xs[self.pareto_mask_], kind="stable")
            fx, fy = xs[self.pareto_mask_][order], ys[self.pareto_mask_][order]
            ax.scatter(fx, fy, s=90, facecolors="none", edgecolors="black", zorder=4)
            (self.front_line_,) = ax.step(
                fx, fy, where="post", color="black", linewidth=1.0,
                label=f"Pareto front ({len(fx)})", zorder=2,
            )
        positive = xs[xs > 0]
        if log_x is True or (log_x == "auto" and positive.size
                             and positive.max() > 20 * positive.min()):
            from matplotlib.ticker import NullFormatter

            ax.set_xscale("log")
            # a short log range would label its minor ticks on top of each other
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(_COST_LABELS.get(self.x_name, self.x_name))
        ax.set_ylabel(f"cross-validated {self.score_name}")
        ax.set_title("Score against cost")
        if self.scatter_:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1),
                      borderaxespad=0)
        self.ax_, self.figure_ = ax, fig
        return self


def pareto_mask(cost, score):
    """Points that no other point dominates (cost no higher and score no
    lower, one strictly); among exact duplicates, the first."""
    cost, score = np.asarray(cost, float), np.asarray(score, float)
    n = len(cost)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        better_or_equal = (cost <= cost[i]) & (score >= score[i])
        strictly = (cost < cost[i]) | (score > score[i])
        duplicate_before = (cost == cost[i]) & (score == score[i]) & (np.arange(n) < i)
        if (better_or_equal & strictly).any() or duplicate_before.any():
            mask[i] = False
    return mask
