"""The validation splits of a search: every trial is scored on the same folds.

The default (``cv=None``) is chosen so that every fold can be scored and
every training fold holds every class whenever the data allow it:

- classification: stratified folds, 5 of them, or as many as the rarest
  class that has at least two rows has rows (at least 2), so that every
  validation fold sees every such class; a class with a single row is
  always in the training rows (never validated: a model cannot learn a
  class from no rows); when every class has a single row nothing can be
  held out and the trials are scored on their training rows (with a
  warning in the log);
- regression: 5 folds, fewer for fewer than 10 rows so that each
  validation fold has two rows (an R^2 needs two); 2 or 3 rows:
  leave-one-out; 1 row: scored on the training row;
- above :data:`AUTO_HOLDOUT_ROWS` rows (or for images): one 20% holdout,
  stratified, single-row classes in training.

**By cost.** With a ``time_budget`` the choice also depends on what a trial
costs (:func:`choose_protocol`). One default trial fold is estimated at
:data:`TRIAL_SECONDS_PER_CELL` core-seconds per training cell (row x input
column), times the classes for multiclass targets (boosting grows one tree
per class and round); the search is planned :data:`SEARCH_SHARE` of the
budget on all the cores the trials use (``capacity = SEARCH_SHARE *
time_budget * cores`` core-seconds). Then:

- k-fold (the folds above) only when ``n <= AUTO_HOLDOUT_ROWS`` and the
  capacity affords :data:`MIN_KFOLD_TRIALS` default k-fold trials (``k``
  folds on ``(k-1)/k`` of the rows each); otherwise one stratified
  :data:`HOLDOUT_FRACTION` holdout. Without a time budget (``max_trials``
  only) k-fold is kept up to the size limit, as before.
- when even :data:`MIN_HOLDOUT_TRIALS` default holdout trials do not fit in
  the capacity, the trials train on a stratified subsample of the holdout's
  training rows, sized so that they do (at least :data:`MIN_TRIAL_ROWS`);
  the validation rows are never subsampled. The final model is then refit
  on as many rows as the time left after the search allows, predicted from
  the chosen trials' measured fit times (:func:`refit_fraction`; at least
  the trials' rows, at most all rows); ``n_samples_refit_`` says how many.

FLAML's ``eval_method="auto"`` makes the same kind of choice with a fixed
rule (cross-validation when ``rows * columns / 0.9 < 1e7 * budget / 3600``
and fewer than 100,000 rows); this rule counts the classes and the cores
and prices a trial from a measured cost per cell instead.

Whether the scorer is defined on these folds is checked next, with a
fallback scorer (see :mod:`._scoring`).
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)

__all__ = [
    "AUTO_HOLDOUT_ROWS", "DEFAULT_FOLDS", "Protocol", "Validation", "choose_protocol",
    "make_splits", "make_validation", "refit_fraction", "refit_rows",
    "scale_refit_params", "trial_seconds",
]

logger = logging.getLogger("sklearn_automl")

#: rows above which cv=None uses one stratified holdout instead of 5 folds
AUTO_HOLDOUT_ROWS = 20_000
#: folds of cv=None where the data allow them
DEFAULT_FOLDS = 5
#: validation share of the cv=None holdout
HOLDOUT_FRACTION = 0.2
#: core-seconds of one default trial fold per training cell (row x input
#: column; x classes for multiclass): what a search's trials cost on
#: average, not its cheapest model. The 60 s search of issue 19 on 11,551 x
#: 26 (regression, n_jobs=2) ran 16 5-fold trials of all families in 54 s on
#: 2 workers: 5.6e-6 core-s per cell and fold, featurizing, predicting,
#: timeouts and overhead included; LightGBM and HistGradientBoosting alone
#: fit 100 rounds in 0.9-1.3e-6 CPU-s per cell (per class for 5 classes) on
#: 16,000 x 20 tables, a random forest in about 10x that. 5e-6 also puts the
#: k-fold limit near FLAML's (rows x columns < 2,500 x budget seconds at 2
#: cores, binary)
TRIAL_SECONDS_PER_CELL = 5e-6
#: share of the budget the search is planned to get (refit, selection and
#: the ensemble's refits take the rest)
SEARCH_SHARE = 0.7
#: k-fold only when the search can afford this many default k-fold trials
MIN_KFOLD_TRIALS = 20
#: trials train on a row subsample when fewer default holdout trials than
#: this fit in the search (one per core family and a few more)
MIN_HOLDOUT_TRIALS = 8
#: the fewest training rows of a subsampled trial (and at least 20 per class)
MIN_TRIAL_ROWS = 2_000
#: up to this many rows cv=None keeps k-fold whatever the budget (a holdout
#: of a few hundred rows ranks trials by noise; such trials are cheap)
KFOLD_ALWAYS_ROWS = 2_000
#: safety factor on the predicted seconds of a subsampled protocol's refit
REFIT_SAFETY = 1.5
#: share of the budget a subsampled protocol plans for the final refit
PLANNED_REFIT_SHARE = 0.2


@dataclass(frozen=True)
class Protocol:
    """What ``cv=None`` chose for the data and the budget.

    Attributes
    ----------
    kind : {"kfold", "holdout"}
    trial_rows : int or None
        Training rows of every trial when the holdout's training rows are
        subsampled; ``None``: all of them.
    refit_rows : int or None
        With ``trial_rows``: the rows the final refit is planned on.
    """

    kind: str
    trial_rows: int | None = None
    refit_rows: int | None = None


@dataclass
class Validation:
    """The splits every trial shares, and how they were chosen.

    Attributes
    ----------
    splits : list of (ndarray, ndarray)
    splitter : splitter or None
        See :func:`make_splits`.
    description : str
        For people: ``"5-fold stratified"``, ``"holdout 20 % stratified"``,
        ``"holdout 20 % stratified, trials on 50,000 of 160,000 training
        rows"``...
    protocol : Protocol or None
        The choice of ``cv=None``; ``None`` for a given ``cv``.
    """

    splits: list
    splitter: object
    description: str
    protocol: Protocol | None = None

    @property
    def n_splits(self):
        """Folds per trial (1 for a holdout)."""
        return len(self.splits)

    @property
    def trial_rows(self):
        """Training rows of a subsampled trial, or ``None``."""
        return None if self.protocol is None else self.protocol.trial_rows

    def planned_refit_rows(self, n_rows):
        """Rows the final refit is planned on (what the search's reserve scales to).

        All rows, unless the trials are subsampled: then the rows whose
        estimated refit (:func:`trial_seconds` on all cores) fits in
        :data:`PLANNED_REFIT_SHARE` of the budget, between the trials' rows
        and all rows (:func:`refit_fraction` decides the final count from
        the measured trials).
        """
        if self.trial_rows is None:
            return n_rows
        return max(self.trial_rows, min(self.protocol.refit_rows or n_rows, n_rows))


def trial_seconds(rows, n_features, n_classes=None):
    """Estimated core-seconds of one default trial fold trained on ``rows`` rows."""
    per_class = n_classes if n_classes is not None and n_classes > 2 else 1
    return TRIAL_SECONDS_PER_CELL * rows * max(n_features, 1) * per_class


def choose_protocol(n_rows, n_features, *, n_classes=None, time_budget=None, cores=1,
                    images=False):
    """k-fold or one holdout for ``cv=None``, by data size and time budget.

    The rule and its constants are in this module's docstring.

    Parameters
    ----------
    n_rows, n_features : int
        Rows and input columns of the training data.
    n_classes : int or None
        Classes of a classification target; ``None`` for regression.
    time_budget : float or None
        Seconds of the whole fit; ``None``: the size rule alone.
    cores : int, default=1
        Cores the trials run on together (workers x threads each).
    images : bool, default=False
        Image inputs: always one holdout.

    Returns
    -------
    protocol : Protocol
    """
    if images:
        return Protocol("holdout")
    if n_rows <= KFOLD_ALWAYS_ROWS:
        return Protocol("kfold")
    if time_budget is None:
        return Protocol("holdout" if n_rows > AUTO_HOLDOUT_ROWS else "kfold")
    capacity = SEARCH_SHARE * float(time_budget) * max(int(cores), 1)
    k = DEFAULT_FOLDS
    kfold = k * trial_seconds(n_rows * (k - 1) / k, n_features, n_classes)
    if n_rows <= AUTO_HOLDOUT_ROWS and capacity >= MIN_KFOLD_TRIALS * kfold:
        return Protocol("kfold")
    n_train = n_rows - math.ceil(HOLDOUT_FRACTION * n_rows)
    if capacity >= MIN_HOLDOUT_TRIALS * trial_seconds(n_train, n_features, n_classes):
        return Protocol("holdout")
    per_row = trial_seconds(1, n_features, n_classes)
    rows = max(int(capacity / (MIN_HOLDOUT_TRIALS * per_row)), MIN_TRIAL_ROWS,
               20 * (n_classes or 0))
    if rows >= n_train:
        return Protocol("holdout")
    refit = int(PLANNED_REFIT_SHARE * float(time_budget) * max(int(cores), 1) / per_row)
    return Protocol("holdout", rows, min(max(refit, rows), n_rows))


def refit_fraction(trial_rows, trials, *, n_rows, seconds, n_workers=1, n_classes=None):
    """Share of all rows the final model is refit on.

    1.0 unless the trials trained on a row subsample (see
    :func:`choose_protocol`). Then the rows are those whose refit the time
    left affords: the chosen trials' measured fit seconds per fold (at full
    fidelity, on the trials' rows), refit ``n_workers`` at a time, scaled
    linearly in the rows (with the rows squared when a trial refits with an
    early-stopped iteration count, which grows with the rows too), times
    :data:`REFIT_SAFETY`; at least
    :data:`MIN_TRIAL_ROWS` (20 per class), at most all rows.

    Parameters
    ----------
    trial_rows : int or None
        :attr:`Validation.trial_rows` (``None``: the trials were not
        subsampled, so the refit takes all rows).
    trials : list of TrialResult
        The pipelines to refit (the ensemble's members, or the best).
    n_rows : int
        All training rows.
    seconds : float or None
        Seconds the refits may take (``None``: no limit: all rows).
    n_workers : int, default=1
        Refits that run at once.
    n_classes : int or None

    Returns
    -------
    fraction : float
        In ``(0, 1]``.
    """
    rows = trial_rows
    if rows is None or not trials or seconds is None or not math.isfinite(seconds):
        return 1.0
    per_fold = [t.fit_time / max(len(t.scores), 1) / max(t.fidelity, 1e-3)
                for t in trials]
    overhead = max(max(t.duration - t.fit_time - t.predict_time, 0.0) for t in trials)
    makespan = max(max(per_fold), sum(per_fold) / max(int(n_workers), 1))
    # a family that stopped early refits with its iteration count scaled to
    # the rows (see scale_refit_params): its cost grows with the rows squared
    power = 2.0 if any(getattr(t, "refit_params", None) for t in trials) else 1.0
    ratio = max(seconds - overhead, 0.0) / (REFIT_SAFETY * max(makespan, 1e-6))
    affordable = rows * ratio ** (1.0 / power)
    floor = min(n_rows, max(MIN_TRIAL_ROWS, 20 * (n_classes or 0)))
    return min(max(affordable, floor), n_rows) / n_rows


def scale_refit_params(trials, n_refit, n_rows):
    """Scale early-stopped iteration counts to a refit on ``n_refit`` rows.

    A trial's ``refit_params`` hold the count for a refit on all
    ``n_rows`` rows, in proportion to them (see
    :meth:`~sklearn_automl.space.EarlyStopping.refit_count`); a refit on a
    subsample gets the same share of it (at least 1). In place: the trials'
    ``refit_params`` then say what their refit trained.
    """
    if n_refit >= n_rows:
        return
    for trial in trials:
        params = getattr(trial, "refit_params", None)
        if params:
            trial.refit_params = {
                k: max(1, round(v * n_refit / n_rows))
                if isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
                for k, v in params.items()
            }


def refit_rows(y, fraction, *, classification, seed=0):
    """How many rows a refit on ``fraction`` of them trains on (as evaluate draws them)."""
    n = len(y)
    if fraction >= 1:
        return n
    from ._evaluate import subsample_rows

    return len(subsample_rows(np.arange(n), fraction,
                              y=y if classification else None, seed=seed))


def make_validation(X, y, cv, *, classification, seed, images=False, time_budget=None,
                    cores=1):
    """The splits of :func:`make_splits`, chosen by cost for ``cv=None``.

    Parameters
    ----------
    X, y, cv, classification, seed, images
        As in :func:`make_splits`.
    time_budget : float or None
        Seconds of the whole fit (``cv=None`` only; see
        :func:`choose_protocol`).
    cores : int, default=1
        Cores the trials run on together.

    Returns
    -------
    validation : Validation
    """
    n = X.shape[0]
    if cv is not None:
        return Validation(*_given_splits(X, y, cv, classification, seed))
    n_classes = len(np.unique(np.asarray(y))) if classification else None
    protocol = choose_protocol(
        n, X.shape[1] if len(X.shape) > 1 else 1, n_classes=n_classes,
        time_budget=time_budget, cores=cores, images=images,
    )
    if protocol.kind == "kfold":
        return Validation(*_check(_default_folds(y, n, classification, seed), cv, n),
                          protocol)
    splits, splitter, description = _check(
        _holdout(y, n, HOLDOUT_FRACTION, classification, seed), cv, n)
    if protocol.trial_rows is not None:
        from ._evaluate import subsample_rows

        train, test = splits[0]
        sub = subsample_rows(train, protocol.trial_rows / len(train),
                             y=y if classification else None, seed=seed)
        splits = [(sub, test)]
        protocol = Protocol("holdout", len(sub), protocol.refit_rows)
        description += f", trials on {len(sub):,} of {len(train):,} training rows"
    return Validation(splits, splitter, description, protocol)


def _describe(splits, splitter, n):
    """How the splits validate, for people (``Validation.description``)."""
    inner = getattr(splitter, "inner", splitter)
    if len(splits) == 1 and np.array_equal(splits[0][0], splits[0][1]):
        return "in-sample (no row held out: scores are optimistic)"
    stratified = " stratified" if type(inner).__name__.startswith("Stratified") else ""
    if isinstance(inner, (KFold, StratifiedKFold)):
        return f"{len(splits)}-fold{stratified}"
    if len(splits) == 1 and (inner is None or isinstance(
            inner, (ShuffleSplit, StratifiedShuffleSplit))):
        share = 100 * len(splits[0][1]) / n
        return f"holdout {share:.3g} %{stratified}"
    name = type(inner).__name__
    if inner is None or name.startswith("_"):  # an iterable of (train, test)
        name = "given splits"
    return f"{name} ({len(splits)} split{'s' if len(splits) != 1 else ''})"


def make_splits(X, y, cv, *, classification, seed, images=False):
    """The ``(train, validation)`` index pairs for ``cv`` and the splitter.

    Parameters
    ----------
    X, y : array-like or DataFrame
    cv : int, float, splitter, iterable or None
        int: (stratified) k-fold; float in (0, 1): one (stratified) holdout
        of that fraction; a splitter or iterable: used as is. ``None``: the
        default scheme of this module's docstring. With int and float
        ``cv``, a class with a single row stays in the training rows.
    classification : bool
        Stratify where every class can be represented.
    seed : int
        Seed of the shuffles.
    images : bool, default=False

    Returns
    -------
    splits : list of (ndarray, ndarray)
    splitter : splitter or None
        A public scikit-learn splitter that ``export_code`` and stacking can
        reuse; ``None`` for wrapped iterables and for folds that keep
        single-row classes in training.
    """
    if cv is None:
        validation = make_validation(X, y, None, classification=classification,
                                     seed=seed, images=images)
        return validation.splits, validation.splitter
    return _given_splits(X, y, cv, classification, seed)[:2]


def _given_splits(X, y, cv, classification, seed):
    """``(splits, splitter, description)`` of a given (not None) ``cv``."""
    n = X.shape[0]
    if isinstance(cv, numbers.Real) and not isinstance(cv, numbers.Integral):
        n_test = math.ceil(cv * n)
        if n_test < 1 or n - n_test < 1:
            raise ValueError(
                f"cv={cv} as a holdout fraction leaves no rows to train or to "
                f"validate on with n_samples={n}."
            )
        result = _holdout(y, n, cv, classification, seed)
    elif isinstance(cv, numbers.Integral):
        if n < cv:
            raise ValueError(
                f"X has n_samples={n}, fewer than the cv={cv} folds it must be "
                "split into; pass fewer folds or more rows (or cv=None, which "
                "adapts the folds to small data)."
            )
        result = _kfold(y, n, cv, classification, seed)
    else:
        splitter = check_cv(cv, y, classifier=classification)
        result = _split(splitter, n, y), splitter
    return _check(result, cv, n)


def _check(result, given, n):
    """``(splits, public splitter or None, description)``; empty folds raise."""
    splits, splitter = result
    if not splits:
        raise ValueError(f"cv={given!r} produced no train/validation split.")
    for tr, te in splits:
        if len(tr) == 0 or len(te) == 0:
            raise ValueError(f"cv={given!r} produced an empty train or test fold.")
    public = splitter is not None and not type(splitter).__name__.startswith("_")
    return (splits, (splitter if public and hasattr(splitter, "split") else None),
            _describe(splits, splitter, n))


def _split(splitter, n, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [(np.asarray(tr), np.asarray(te))
                for tr, te in splitter.split(np.zeros((n, 1)), y)]


def _codes(y):
    """Class codes of ``y`` and the count of each class."""
    codes = np.unique(np.asarray(y), return_inverse=True)[1].reshape(-1)
    return codes, np.bincount(codes)


def _in_sample(n, why):
    logger.warning(
        "%s: no rows can be held out for validation, so trials are scored on "
        "the rows they are trained on (an optimistic score).", why)
    rows = np.arange(n)
    return [(rows, rows)], None


def _default_folds(y, n, classification, seed):
    if not classification:
        if n == 1:
            return _in_sample(n, "one row")
        k = min(DEFAULT_FOLDS, n // 2) if n >= 4 else n  # 2, 3 rows: leave-one-out
        return _split(KFold(k, shuffle=True, random_state=seed), n, y), KFold(
            k, shuffle=True, random_state=seed)
    codes, counts = _codes(y)
    several = counts[counts >= 2]
    if not len(several):
        return _in_sample(n, f"every class has a single row ({n} rows)")
    k = int(min(DEFAULT_FOLDS, several.min()))
    return _kfold(y, n, k, True, seed, codes=codes, counts=counts)


def _kfold(y, n, k, classification, seed, *, codes=None, counts=None):
    """k folds; stratified where a class can be in every fold's training rows."""
    if not classification:
        splitter = KFold(k, shuffle=True, random_state=seed)
        return _split(splitter, n, y), splitter
    if codes is None:
        codes, counts = _codes(y)
    single = counts[codes] == 1
    if not single.any():
        splitter = (StratifiedKFold(k, shuffle=True, random_state=seed)
                    if counts.max() >= k else KFold(k, shuffle=True, random_state=seed))
        return _split(splitter, n, y), splitter
    rest = np.flatnonzero(~single)
    if len(rest) < k:  # too few rows beside the single ones: plain k-fold
        splitter = KFold(k, shuffle=True, random_state=seed)
        return _split(splitter, n, y), splitter
    inner = (StratifiedKFold(k, shuffle=True, random_state=seed)
             if counts[codes[rest]].max() >= k
             else KFold(k, shuffle=True, random_state=seed))
    return _with_single_rows(_split(inner, len(rest), codes[rest]), rest,
                             np.flatnonzero(single)), _WithSingleRows(inner)


def _holdout(y, n, fraction, classification, seed):
    """One holdout of ``fraction``; stratified, single-row classes in training."""
    if not classification:
        splitter = ShuffleSplit(1, test_size=fraction, random_state=seed)
        return _split(splitter, n, y), splitter
    codes, counts = _codes(y)
    single = counts[codes] == 1
    rest = np.flatnonzero(~single)
    n_test = math.ceil(fraction * len(rest))
    n_classes = len(np.unique(codes[rest]))
    if len(rest) < 2 or n_test < 1 or len(rest) - n_test < 1:
        splitter = ShuffleSplit(1, test_size=fraction, random_state=seed)
        return _split(splitter, n, y), splitter
    if n_test >= n_classes and len(rest) - n_test >= n_classes:
        inner = StratifiedShuffleSplit(1, test_size=fraction, random_state=seed)
    else:
        inner = ShuffleSplit(1, test_size=fraction, random_state=seed)
    if not single.any():
        return _split(inner, n, y), inner
    return _with_single_rows(_split(inner, len(rest), codes[rest]), rest,
                             np.flatnonzero(single)), _WithSingleRows(inner)


class _WithSingleRows:
    """The splitter of folds that keep single-row classes in training.

    Not a public splitter (:func:`_check` drops it): ``inner`` split the
    other rows.
    """

    def __init__(self, inner):
        self.inner = inner


def _with_single_rows(splits, rest, single):
    """Splits of the rows ``rest`` mapped back, ``single`` added to training."""
    return [(np.sort(np.concatenate([rest[tr], single])), rest[te])
            for tr, te in splits]
