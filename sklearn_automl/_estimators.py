"""AutoMLClassifier and AutoMLRegressor: the parameters and what they fit.

The search itself is :class:`~sklearn_automl._automl.BaseAutoML`'s ``fit``
(validate -> plan -> search -> ensemble -> refit); these classes add the
task's target validation, default scorer and ``predict_proba``.
"""

from __future__ import annotations

from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if

from ._automl import BaseAutoML
from ._validation import (
    check_predict_input,
    validate_classification_target,
    validate_regression_target,
)

__all__ = ["AutoMLClassifier", "AutoMLRegressor"]


class AutoMLClassifier(ClassifierMixin, BaseAutoML):
    """Search classification pipelines within a time budget.

    Each candidate is a scikit-learn ``Pipeline`` (featurizer + model) drawn
    from a space of model families and their hyperparameters, scored by
    cross-validation; the best one is refit on all the data.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    time_budget : float or None, default=60.0
        Wall-clock seconds for the whole ``fit``, refit included. ``None``:
        stop on ``max_trials`` only.
    max_trials : int or None, default=None
        Maximum number of configurations evaluated (proposals skipped
        because they would overrun ``time_budget`` do not count).
    scoring : str, callable or None, default=None
        A scikit-learn scorer name (``"accuracy"``, ``"f1_macro"``...) or a
        callable ``scorer(estimator, X, y)`` as made by
        :func:`sklearn.metrics.make_scorer`; higher is better. ``None``:
        ``"roc_auc"`` for binary and ``"neg_log_loss"`` for multiclass targets.
    cv : int, float, cross-validation splitter or None, default=None
        int: (stratified) k-fold; float in (0, 1): one (stratified) holdout of
        that fraction; a splitter or iterable of splits: used as is. ``None``:
        5 folds or one 20% holdout, chosen from the rows, columns and classes
        and the ``time_budget`` (see :ref:`validation_protocol`; 5 folds up
        to 20,000 rows without a time budget); on small or
        imbalanced data fewer folds, so that every fold can be scored and
        every training fold holds every class (see :ref:`small_data`). A
        class with a single row always stays in the training rows.
    search : {"random", "grid", "bayesian", "evolutionary"} or Searcher, \
            default="random"
        The search strategy (see :ref:`searchers`); a
        :class:`~sklearn_automl.search.Searcher` may be passed (its
        ``space``, ``initial_configs`` and ``random_state`` are filled in
        when left ``None``).
    schedule : {"successive_halving", "hyperband", "asha"}, scheduler or \
            None, default=None
        How much budget (fidelity) each configuration gets: ``None`` runs
        every configuration on all the data; the multi-fidelity schedules
        start configurations on a fraction of each fold's training rows
        (and of the trees / boosting rounds of iterative models) and
        promote the best ``1/eta`` to higher fidelities (see
        :ref:`searchers`). Scheduler objects from
        :mod:`sklearn_automl.search` are cloned; their ``searcher`` is the
        one of ``search`` when left ``None``. The best model is chosen
        among the trials at the highest fidelity reached.
    initial_configs : "portfolio", list of dict or None, default="portfolio"
        The first configurations of the search. ``"portfolio"``: the first
        family's defaults, then the configurations of the shipped portfolio
        (strong and complementary over many datasets), ordered by how well
        they did on datasets with similar meta-features and projected onto
        this search's space (see :ref:`portfolio`), then the defaults of
        families it lacks. ``None``:
        each family's defaults. A list: these configurations
        (``{"family": "lightgbm", "lightgbm__num_leaves": 63}``; missing
        parameters take their defaults). A :class:`Searcher` given with its
        own ``initial_configs`` keeps them.
    family_allocation : {"uniform", "cost"}, default="uniform"
        How the model family of each new configuration is chosen.
        ``"uniform"``: by the searcher, like any parameter of the space
        (uniformly for random search). ``"cost"``: by each family's
        estimated cost for improvement, from the measured cost and the
        scores of its trials so far: every family's first trial runs (in
        the order of ``initial_configs``), then families that improve
        cheaply get most trials and slow families that are behind few; the
        searcher proposes within the chosen family (its
        ``initial_configs`` first). Costs are seconds under a
        ``time_budget`` (the choice then depends on the machine's speed)
        and trials without one (reproducible). The rule is written out in
        :ref:`family_allocation`.
    ensemble_size : int, default=25
        Steps of greedy ensemble selection over the trials' out-of-fold
        predictions (see :ref:`ensembles`); the members (refit on all data,
        within the time budget) form ``best_estimator_``. For
        ``ensemble="stacking"``, the most members. ``0``: the best single
        pipeline.
    ensemble : {"selection", "stacking"}, default="selection"
        ``"selection"``: a weighted average of the members' probabilities
        (``VotingClassifier(voting="soft", weights=...)``), weights found by
        greedy selection with replacement optimizing ``scoring``.
        ``"stacking"``: a logistic-regression meta-learner on the
        out-of-fold log-odds of the best pipeline of each family
        (:class:`~sklearn_automl.ensemble.StackedEnsembleClassifier`).
    max_oof_memory : float, default=256
        Megabytes of out-of-fold predictions (float32) kept for the
        ensemble: those of the best trials (at most 32); the rest are
        dropped as soon as they can no longer be candidates.
    estimators : list or None, default=None
        Model families to search: built-in names (``"lightgbm"``,
        ``"linear"``, ``"hist_gradient_boosting"``, ``"random_forest"``,
        ``"extra_trees"``, ``"knn"``) and/or custom entries
        ``(name, unfitted_estimator, space)`` where ``space`` maps the
        estimator's parameter names to :class:`~sklearn_automl.space.Float`,
        :class:`~sklearn_automl.space.Int` or
        :class:`~sklearn_automl.space.Categorical` (``{}`` searches none).
        ``None``: every built-in family that fits the data size. With the
        ``boost`` extra (catboost) the built-in families include
        ``"catboost"``, and with the ``nas`` extra (torch and skorch)
        ``"mlp_net"``, a skorch-trained multilayer perceptron
        (:class:`~sklearn_automl.nas.MLPNetClassifier`); without its extra
        a family is left out with one logged notice.
    input_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(C, H, W)`` of each row of a flat X of images. X of
        shape (N, H, W) or (N, C, H, W), or a flat X with ``input_shape``, is
        searched as images, with the cell-based CNN space only (family
        ``"cnn_net"``, see :class:`~sklearn_automl.nas.CNNNetClassifier`;
        needs the ``nas`` extra) and one 20 % holdout when ``cv`` is None.
    n_jobs : int or None, default=None
        Trials run in parallel, each in a worker process with
        ``cores // n_jobs`` threads (at least 1), so trials x threads never
        oversubscribe the cores; ``-1``: one trial per core. ``None``: one
        trial at a time, in this process, on one thread (bit-for-bit
        reproducible). See :ref:`parallel`.
    executor : {"sequential", "processes"}, dask Client, DaskExecutor or \
            None, default=None
        Where trials run. ``None``: on a ``dask.distributed`` cluster when
        ``joblib.parallel_config(backend="dask")`` is active, else in
        worker processes when ``n_jobs > 1`` or ``trial_memory_limit`` is
        set, else in this process. ``"processes"``: worker processes even
        for ``n_jobs=None`` (one worker), which isolates crashes. A
        ``distributed.Client`` or :class:`DaskExecutor` runs them on that
        cluster (data scattered once, results streamed back); a pickled
        estimator drops the connection (``executor`` is ``None`` once loaded).
    trial_timeout : float, "auto" or None, default="auto"
        Wall-clock seconds one trial may run; past it the trial is stopped,
        or its worker process killed (then replaced), and it is recorded as
        ``"timeout"``. ``"auto"``: a quarter of ``time_budget`` (none
        without a budget), applied once some trial has succeeded: until
        then the first trials may use the search's whole time, so that big
        data under a small budget still yields a validated model. The
        families that stop early (see :ref:`early_stopping`) get it from
        their first trial on: they stop in time with a model to score.
        Every trial also stops at the budget's end.
    trial_memory_limit : float or None, default=None
        Megabytes a trial may allocate on top of what its worker holds; a
        trial over it is stopped (``MemoryError`` under an address-space
        limit, or killed by a watchdog on its resident memory) and recorded
        as ``"memory"``. Runs trials in worker processes (Linux).
    checkpoint : str, path-like or None, default=None
        A folder where every finished trial is logged (``trials.jsonl``,
        flushed and fsync-ed, plus an atomically replaced ``summary.json``).
        A search fitted again with the same folder, the same data and
        search space resumes: logged trials are replayed, not re-run (they
        have no out-of-fold predictions). See :ref:`checkpoint`.
    callbacks : list of callable or None, default=None
        Each is called as ``callback(result)`` with the
        :class:`TrialResult` of every finished trial; returning ``True``
        (or raising :class:`StopSearch`) stops the search.
    objectives : tuple of str, default=("score",)
        What the search optimizes, out of ``"score"``,
        ``"predict_latency"`` (seconds per row at ``latency_batch_size``),
        ``"model_size"`` (bytes of the pickled pipeline), ``"fit_time"``
        (seconds per fold) and ``"predict_memory"`` (MB at the peak of a
        predict). Every trial's costs are measured either way (the
        ``profile`` columns of ``leaderboard_``); with several objectives
        the searcher is told all of them (NSGA-II selection for
        ``search="evolutionary"``, ParEGO for ``"bayesian"``; random and
        grid search ignore scores) and ``pareto_front_`` lists the
        non-dominated trials. See :ref:`objectives`.
    select : {"best_score", "knee"}, callable or dict, default="best_score"
        How the final model is chosen among the feasible trials.
        ``"best_score"``: the best score (then ensembled as
        ``ensemble_size`` says). ``"knee"``: the knee of ``pareto_front_``
        (the best sum of the objectives rescaled to [0, 1] over the front,
        costs on a log scale). A dict of weights per objective
        (``{"score": 2, "predict_latency": 1}``): the best weighted sum on
        that scale. A callable: ``select(pareto_front_) -> trial_id``. Any
        choice but ``"best_score"`` refits that trial alone (no ensemble).
    max_predict_latency : float or None, default=None
        Seconds per row, at ``latency_batch_size``, that the final model may
        take to predict. A trial over a constraint (or whose cost could not
        be measured) is recorded but told to the searcher as failed and
        never chosen; an ensemble's members' costs add up, and members are
        dropped until the refit ensemble measures within the limits. If no
        trial is feasible, ``fit`` raises a ``ValueError`` that quotes the
        closest trial. Measured costs vary from run to run, so a choice
        under constraints (or with cost objectives) is not bit-for-bit
        reproducible.
    max_model_size : float or None, default=None
        Bytes the pickled final model may take (see ``max_predict_latency``).
    max_predict_memory : float or None, default=None
        Megabytes the final model may hold at the peak of predicting a batch
        of ``latency_batch_size`` rows: its size plus what the predict
        allocates (see ``max_predict_latency``).
    latency_batch_size : int, default=1000
        Rows of the batched latency measurement: each trial's last-fold
        model predicts up to this many of its validation rows and one single
        row, after its fold is scored (not counted in ``predict_time``);
        repeated (up to 3 batches and 5 single rows, the medians count) while
        the measurement stays within 2 % of the trial's fit and score time.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the searcher and the models. With an int, a
        ``max_trials`` budget and ``time_budget=None`` the search is
        reproducible (measured costs excepted: see ``max_predict_latency``).
    verbose : int, default=0
        1: a progress bar on stderr (trials, best score, budget left; needs
        ``tqdm``) and summary messages; 2: a line per trial instead of the
        bar. Messages go through the ``"sklearn_automl"`` logger.

    Attributes
    ----------
    best_estimator_ : Pipeline, VotingClassifier or StackedEnsembleClassifier
        The model ``predict`` uses, refit on all of ``X``: the ensemble of
        pipelines when one was built (``ensemble_size > 0`` and at least two
        members chosen), else the best pipeline.
    best_params_ : dict
        The best trial's searched parameters as ``set_params`` arguments of
        its pipeline (``"model__<param>"``), with the iteration count its
        refit trained when the family stops early (``model__n_estimators``
        of LightGBM, ``model__max_iter`` of HistGradientBoosting; see
        :ref:`early_stopping`).
    best_config_ : dict
        The searcher's configuration of the best trial.
    best_family_ : str
        The model family of ``best_estimator_``.
    best_score_ : float
        Its mean cross-validated score (NaN for an unvalidated fallback).
    column_kinds_ : dict
        How each input column was treated, keyed by name (DataFrames) or
        position: ``"numeric"``, ``"boolean"``, ``"categorical"``,
        ``"high_cardinality"``, ``"datetime"``, ``"text"``, ``"id"`` or
        ``"constant"`` (the last two are left out of the features). Empty
        for images.
    input_shape_ : tuple of int or None
        ``(channels, height, width)`` of image input; None for tables.
    best_index_ : int or None
        Index of the best trial in ``cv_results_``.
    cv_results_ : dict of ndarray
        One entry per trial, as in :class:`~sklearn.model_selection.GridSearchCV`,
        plus ``"family"``, ``"status"`` and the measured costs (the
        leaderboard's cost columns).
    leaderboard_ : pandas.DataFrame
        One row per trial, best first: rank, trial_id, family, fidelity,
        mean_score, std_score, weight (its share of ``best_estimator_``),
        fit_time, predict_time, the measured costs of its last fold's model
        (predict_latency_s_per_row, predict_latency_s_per_row_batch1,
        peak_memory_mb, model_size_bytes, profile_time_s; networks add
        n_params and flops), status, error, params.
    pareto_front_ : pandas.DataFrame
        The non-dominated feasible trials at full fidelity (the highest
        reached) on ``objectives``: trial_id, family, the objectives'
        columns, the other measured costs and params; best score first.
        With the score as only objective, the best trial(s).
    best_estimator_profile_ : dict
        The costs of ``best_estimator_`` itself (an ensemble as a whole),
        measured after the refit on up to ``latency_batch_size`` training
        rows, with the keys of the leaderboard's cost columns. Empty when
        no constraint is set and the budget had no time left to measure.
    ensemble_members_ : list of int
        ``trial_id`` of each pipeline in ``best_estimator_`` (one entry for a
        single pipeline, none for an unvalidated fallback).
    ensemble_weights_ : ndarray of shape (n_members,)
        Their weights, summing to 1 (for stacking: each member's share of
        the meta-learner's absolute coefficients).
    ensemble_score_ : float
        The selected ensemble's score on the pooled out-of-fold predictions
        (NaN without greedy selection).
    history_ : History
        The :class:`TrialResult` of every trial (``history_.trials``),
        out-of-fold predictions included for the best ones.
    n_trials_ : int
        Trials evaluated. Proposals skipped because they were predicted to
        overrun the time budget are kept in ``history_`` (status
        ``"skipped"``) but not counted.
    refit_time_ : float
        Seconds spent refitting the best pipeline.
    refit_n_threads_ : int
        Threads the refit ran with (``export_code`` reproduces it).
    n_samples_fit_ : int
        Rows of the training data.
    n_samples_refit_ : int
        Rows the final model was fitted on: all of them, unless the trials
        trained on a row subsample (``cv=None`` at very large scale, see
        :ref:`validation_protocol`) or a fallback baseline was fitted.
    search_time_ : float
        Seconds of the whole ``fit``.
    searcher_time_ : float
        Seconds the searcher and scheduler spent proposing configurations
        and taking in results (their overhead, part of ``search_time_``).
    scorer_ : callable
        The scorer used: that of ``scoring``, or a fallback defined on every
        fold where that metric is undefined on some (see :ref:`small_data`).
    n_splits_ : int
        Folds per trial (1 for a holdout).
    validation_ : str
        How the trials were validated, in words (``"5-fold stratified"``,
        ``"holdout 20 % stratified"``, with the trials' and the final
        model's rows when they were subsampled; see
        :ref:`validation_protocol`).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit`` (DataFrame input with string names).

    See Also
    --------
    AutoMLRegressor : The same search for regression.
    sklearn.model_selection.HalvingRandomSearchCV : Search over one estimator.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_automl import AutoMLClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = AutoMLClassifier(max_trials=3, time_budget=None, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _task = "classification"

    def _default_scoring(self):
        return "roc_auc" if len(self.classes_) == 2 else "neg_log_loss"

    def _validate_y(self, y):
        y, self.classes_ = validate_classification_target(y, type(self).__name__)
        return y

    @available_if(lambda self: hasattr(self.best_estimator_, "predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the refit best pipeline.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = check_predict_input(self, X)
        return self.best_estimator_.predict_proba(X)

class AutoMLRegressor(RegressorMixin, BaseAutoML):
    """Search regression pipelines within a time budget.

    The same search as :class:`AutoMLClassifier` for a continuous target.
    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    time_budget : float or None, default=60.0
        Wall-clock seconds for the whole ``fit``, refit included.
    max_trials : int or None, default=None
        Maximum number of configurations evaluated (proposals skipped
        because they would overrun ``time_budget`` do not count).
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or callable; ``None`` means
        ``"neg_root_mean_squared_error"``.
    cv : int, float, cross-validation splitter or None, default=None
        As in :class:`AutoMLClassifier` (k-fold without stratification).
    search : {"random", "grid", "bayesian", "evolutionary"} or Searcher, \
            default="random"
        The search strategy.
    schedule : {"successive_halving", "hyperband", "asha"}, scheduler or \
            None, default=None
        Multi-fidelity schedule (see :class:`AutoMLClassifier`).
    initial_configs : "portfolio", list of dict or None, default="portfolio"
        The first configurations of the search (see
        :class:`AutoMLClassifier`).
    family_allocation : {"uniform", "cost"}, default="uniform"
        ``"cost"``: the family of each new configuration is chosen by its
        estimated cost for improvement (measured seconds under a
        ``time_budget``, trials without one); ``"uniform"``: by the
        searcher (see :class:`AutoMLClassifier` and
        :ref:`family_allocation`).
    ensemble_size : int, default=25
        Steps of greedy ensemble selection (``0``: the best single pipeline).
    ensemble : {"selection", "stacking"}, default="selection"
        ``"selection"``: ``VotingRegressor(weights=...)`` with weights from
        greedy selection; ``"stacking"``: a ridge meta-learner
        (:class:`~sklearn_automl.ensemble.StackedEnsembleRegressor`).
    max_oof_memory : float, default=256
        Megabytes of out-of-fold predictions kept for the ensemble.
    estimators : list or None, default=None
        Built-in family names (``"lightgbm"``, ``"linear"`` (ridge),
        ``"hist_gradient_boosting"``, ``"random_forest"``, ``"extra_trees"``,
        ``"knn"``, with the ``boost`` extra ``"catboost"``, with the ``nas``
        extra ``"mlp_net"``) and/or
        ``(name, unfitted_estimator, space)`` tuples.
    input_shape : tuple of int or None, default=None
        Image input (see :class:`AutoMLClassifier`).
    n_jobs : int or None, default=None
        Trials in parallel (worker processes); ``None``: one at a time in
        this process. As in :class:`AutoMLClassifier`.
    executor : {"sequential", "processes"}, dask Client, DaskExecutor or \
            None, default=None
        Where trials run (see :class:`AutoMLClassifier`).
    trial_timeout : float, "auto" or None, default="auto"
        Seconds one trial may run (``"auto"``: a quarter of the budget, once
        some trial has succeeded; see :class:`AutoMLClassifier`).
    trial_memory_limit : float or None, default=None
        Megabytes a trial may allocate.
    checkpoint : str, path-like or None, default=None
        Folder of the trial log a restarted search resumes from.
    callbacks : list of callable or None, default=None
        Called with each :class:`TrialResult`; ``True`` stops the search.
    objectives : tuple of str, default=("score",)
        What the search optimizes: ``"score"``, ``"predict_latency"``,
        ``"model_size"``, ``"fit_time"``, ``"predict_memory"`` (see
        :class:`AutoMLClassifier` and :ref:`objectives`).
    select : {"best_score", "knee"}, callable or dict, default="best_score"
        How the final model is chosen among the feasible trials (see
        :class:`AutoMLClassifier`).
    max_predict_latency : float or None, default=None
        Seconds per row (at ``latency_batch_size``) the final model may take;
        infeasible trials are never chosen and ensembles are trimmed to fit
        (see :class:`AutoMLClassifier`).
    max_model_size : float or None, default=None
        Bytes the pickled final model may take.
    max_predict_memory : float or None, default=None
        Megabytes the final model may hold at the peak of a batched predict.
    latency_batch_size : int, default=1000
        Rows of each trial's batched latency measurement.
    random_state : int, RandomState instance or None, default=None
        Seeds folds, searcher and models.
    verbose : int, default=0
        1: a progress bar; 2: a log line per trial (``"sklearn_automl"``
        logger).

    Attributes
    ----------
    best_estimator_ : Pipeline, VotingRegressor or StackedEnsembleRegressor
        The model ``predict`` uses, refit on all of ``X`` (the ensemble when
        one was built).
    best_params_ : dict
        The best trial's searched parameters as ``set_params`` arguments,
        with the iteration count of a family that stops early (see
        :class:`AutoMLClassifier`).
    best_config_ : dict
        The searcher's configuration of the best trial.
    best_family_ : str
        The model family of ``best_estimator_``.
    best_score_ : float
        Its mean cross-validated score.
    column_kinds_ : dict
        How each input column was treated, keyed by name or position.
    best_index_ : int or None
        Index of the best trial in ``cv_results_``.
    cv_results_ : dict of ndarray
        One entry per trial, GridSearchCV-style.
    leaderboard_ : pandas.DataFrame
        One row per trial, best first, with each trial's ``weight`` in
        ``best_estimator_`` and its measured costs (see
        :class:`AutoMLClassifier`).
    pareto_front_ : pandas.DataFrame
        The non-dominated feasible trials on ``objectives``.
    best_estimator_profile_ : dict
        The measured costs of ``best_estimator_`` after the refit.
    ensemble_members_ : list of int
        ``trial_id`` of each pipeline in ``best_estimator_``.
    ensemble_weights_ : ndarray of shape (n_members,)
        Their weights, summing to 1.
    ensemble_score_ : float
        The ensemble's pooled out-of-fold score (NaN without selection).
    history_ : History
        Every :class:`TrialResult`.
    n_trials_ : int
        Trials evaluated. Proposals skipped because they were predicted to
        overrun the time budget are kept in ``history_`` (status
        ``"skipped"``) but not counted.
    refit_time_ : float
        Seconds spent refitting the best pipeline.
    refit_n_threads_ : int
        Threads the refit ran with (``export_code`` reproduces it).
    n_samples_fit_ : int
        Rows of the training data.
    n_samples_refit_ : int
        Rows the final model was fitted on: all of them, unless the trials
        trained on a row subsample (``cv=None`` at very large scale, see
        :ref:`validation_protocol`) or a fallback baseline was fitted.
    search_time_ : float
        Seconds of the whole ``fit``.
    searcher_time_ : float
        Seconds the searcher and scheduler spent proposing configurations
        and taking in results (their overhead, part of ``search_time_``).
    scorer_ : callable
        The scorer used: that of ``scoring``, or a fallback defined on every
        fold where that metric is undefined on some (see :ref:`small_data`).
    n_splits_ : int
        Folds per trial (1 for a holdout).
    validation_ : str
        How the trials were validated, in words (``"5-fold stratified"``,
        ``"holdout 20 % stratified"``, with the trials' and the final
        model's rows when they were subsampled; see
        :ref:`validation_protocol`).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``.

    See Also
    --------
    AutoMLClassifier : The same search for classification.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_automl import AutoMLRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = AutoMLRegressor(max_trials=2, time_budget=None, random_state=0)
    >>> reg.fit(X, y).n_trials_
    2
    >>> reg.score(X, y) > 0.3  # R^2 of the refit model on its training data
    True
    """

    _task = "regression"

    def _default_scoring(self):
        return "neg_root_mean_squared_error"

    def _validate_y(self, y):
        return validate_regression_target(y, type(self).__name__)
