"""What every plot and report of a fitted search needs: matplotlib, the
fitted attributes, the score's name and one colour per model family."""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = []

#: markers of the trials that have no score, by status
STATUS_MARKERS = {
    "failed": ("x", "tab:red"),
    "timeout": ("v", "tab:orange"),
    "skipped": ("|", "tab:gray"),
    "memory": ("s", "tab:purple"),
    "crashed": ("X", "black"),
}


def import_pyplot():
    """``matplotlib.pyplot``, or an ImportError that names the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "Plotting needs matplotlib, which is not installed. Install the "
            "plot extra: pip install \"sklearn_automl[plot]\" (or pip install "
            "matplotlib)."
        ) from exc
    return plt


def get_axes(ax):
    """``(figure, axes)``: ``ax`` and its figure, or a new figure's axes."""
    plt = import_pyplot()
    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    return ax.figure, ax


def check_search(estimator):
    """Raise unless ``estimator`` is a fitted AutoML or NAS search."""
    check_is_fitted(estimator, ["history_", "leaderboard_"])


def score_name(estimator):
    """The scorer's name as the user chose it (``"score"`` when unknown)."""
    scoring = getattr(estimator, "scoring", None)
    if isinstance(scoring, str):
        return scoring
    if scoring is None and hasattr(estimator, "_default_scoring"):
        try:
            return estimator._default_scoring()
        except AttributeError:  # a classifier's default needs classes_
            pass
    name = getattr(getattr(estimator, "scorer_", None), "_score_func", None)
    return getattr(name, "__name__", "score")


def family_colors(families, order=None):
    """One colour of matplotlib's ``tab10``/``tab20`` cycle per family.

    Colours go by position in ``order`` (the families in the order they
    were first tried, so that every plot of a search colours a family
    alike), then in the order of ``families`` for those not in it.
    """
    plt = import_pyplot()
    families = list(dict.fromkeys([*(order or []), *families]))
    cmap = plt.get_cmap("tab10" if len(families) <= 10 else "tab20")
    return {f: cmap(i % cmap.N) for i, f in enumerate(families)}


def family_order(estimator):
    """The families of a fitted search in the order they were first tried."""
    return list(dict.fromkeys(t.family for t in estimator.history_.trials))


def trial_table(estimator):
    """One row per trial in search order: id, family, status, score,
    fidelity, fit/predict time and the seconds since the search started.

    A result that no :class:`History` stamped (``finished_at`` NaN) is
    placed at the sum of the durations so far, which is exact for a
    sequential search without overhead.
    """
    import pandas as pd

    trials = estimator.history_.trials
    elapsed = np.array([getattr(t, "finished_at", math.nan) for t in trials], float)
    if np.isnan(elapsed).any():
        cumulative = np.cumsum([t.duration for t in trials])
        elapsed = np.where(np.isnan(elapsed), cumulative, elapsed)
    return pd.DataFrame({
        "trial_id": [t.trial_id for t in trials],
        "family": [t.family for t in trials],
        "status": [t.status if t.ok or t.status != "ok" else "failed" for t in trials],
        "mean_score": [t.mean_score if t.ok else math.nan for t in trials],
        "fidelity": [t.fidelity for t in trials],
        "fit_time": [t.fit_time for t in trials],
        "predict_time": [t.predict_time for t in trials],
        "elapsed": elapsed,
    })
