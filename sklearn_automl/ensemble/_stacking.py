"""Stacking: a meta-learner on the members' cross-fitted predictions.

``fit`` cross-fits every member on the folds of ``cv`` to get out-of-fold
predictions, trains the meta-learner (``final_estimator``) on them, then
refits every member on all the data. :meth:`fit_from_oof` starts after the
cross-fitting, from out-of-fold predictions the caller already has (an
AutoML search keeps them for its best trials), so the result is the same
model without a second cross-validation.

Unlike :class:`sklearn.ensemble.StackingClassifier`, the folds need not
cover every row (a holdout split works: the meta-learner trains on the rows
that were predicted) and the classifier's meta-features are log-odds, on
which a linear meta-learner averages like a calibrated vote.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

__all__ = ["StackedEnsembleClassifier", "StackedEnsembleRegressor"]

#: probabilities are clipped to [_EPS, 1 - _EPS] before taking logs
_EPS = 1e-6


class _BaseStackedEnsemble(BaseEstimator):
    _parameter_constraints: dict = {  # noqa: RUF012 - sklearn's convention
        "estimators": [list],
        "final_estimator": [HasMethods(["fit"]), None],
        "cv": ["cv_object"],
        "passthrough": ["boolean"],
    }

    def __init__(self, estimators, final_estimator=None, *, cv=5, passthrough=False):
        self.estimators = estimators
        self.final_estimator = final_estimator
        self.cv = cv
        self.passthrough = passthrough

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Cross-fit the members, train the meta-learner, refit the members.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Passed to the members as it is (pipelines may take mixed-type
            DataFrames); must be numeric when ``passthrough=True``.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        X, y = self._check_fit_data(X, y)
        splits = list(check_cv(self.cv, y, classifier=self._is_classifier).split(X, y))
        oof = []
        for _, est in self.estimators:
            pred = None
            for train, test in splits:
                member = clone(est).fit(_safe_indexing(X, train), y[train])
                block = self._member_predictions(member, _safe_indexing(X, test))
                if pred is None:
                    pred = np.full((len(y),) + block.shape[1:], np.nan)
                pred[test] = block
            oof.append(pred)
        return self._fit_final_and_members(X, y, oof)

    def fit_from_oof(self, X, y, oof, *, fitted_estimators=None):
        """Fit from out-of-fold predictions computed elsewhere.

        The meta-learner trains on ``oof`` (rows that some member did not
        predict are left out), then every member is fitted on all of
        ``(X, y)``: what :meth:`fit` does after its cross-fitting.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        oof : list of ndarray
            One per member, in the order of ``estimators``: class
            probabilities (n_samples, n_classes) with columns in sorted class
            order for classifiers, values (n_samples,) for regressors; NaN
            where the member has no out-of-fold prediction.
        fitted_estimators : list of estimator, optional
            The members already fitted on all of ``(X, y)`` (in the order of
            ``estimators``; refit elsewhere, e.g. in parallel): used as
            ``estimators_`` instead of fitting clones here.

        Returns
        -------
        self : object
        """
        self._validate_params()
        X, y = self._check_fit_data(X, y)
        if len(oof) != len(self.estimators):
            raise ValueError(
                f"oof has {len(oof)} arrays for {len(self.estimators)} estimators; "
                "pass one per member, in order."
            )
        if fitted_estimators is not None and len(fitted_estimators) != len(oof):
            raise ValueError(
                f"fitted_estimators has {len(fitted_estimators)} members for "
                f"{len(self.estimators)} estimators; pass one per member, in order."
            )
        return self._fit_final_and_members(
            X, y, [np.asarray(o) for o in oof], fitted=fitted_estimators
        )

    # -- shared steps -------------------------------------------------------
    def _check_fit_data(self, X, y):
        if not self.estimators:
            raise ValueError("estimators must hold at least one (name, estimator).")
        names = [name for name, _ in self.estimators]
        if len(set(names)) != len(names):
            raise ValueError(f"estimators: names must be unique, got {names}.")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        X = self._check_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        if self._is_classifier:
            check_classification_targets(y)
            self.classes_ = np.unique(y)
        return X, y

    def _check_X(self, X, reset):
        # DataFrames go to the members as they are (mixed types for pipelines);
        # arrays are checked for shape only.
        if hasattr(X, "iloc"):
            validate_data(self, X, reset=reset, skip_check_array=True)
            return X
        return validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)

    def _fit_final_and_members(self, X, y, oof, fitted=None):
        rows = np.ones(len(y), dtype=bool)
        for o in oof:
            if o.shape[0] != len(y):
                raise ValueError(
                    f"An oof array has {o.shape[0]} rows, X has {len(y)}."
                )
            rows &= np.isfinite(o).reshape(len(y), -1).all(axis=1)
        if not rows.any():
            raise ValueError("No row has an out-of-fold prediction of every member.")
        Z = self._meta_features(oof, _safe_indexing(X, rows) if self.passthrough
                                else None, rows)
        final = self.final_estimator
        self.final_estimator_ = clone(
            self._default_final() if final is None else final
        ).fit(Z, y[rows])
        self.estimators_ = (
            list(fitted) if fitted is not None
            else [clone(est).fit(X, y) for _, est in self.estimators]
        )
        self.named_estimators_ = dict(
            zip([n for n, _ in self.estimators], self.estimators_, strict=True)
        )
        return self

    def _meta_features(self, preds, X=None, rows=None):
        cols = [self._transform_member(p if rows is None else p[rows]) for p in preds]
        if X is not None:
            cols.append(check_array(X, dtype=np.float64, ensure_all_finite="allow-nan"))
        return np.hstack([c.reshape(c.shape[0], -1) for c in cols])

    def _predict_meta(self, X):
        X = self._check_X(X, reset=False)
        preds = [self._member_predictions(m, X) for m in self.estimators_]
        return self._meta_features(preds, X if self.passthrough else None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Members decide: NaN is fine when every member takes it.
        tags.input_tags.allow_nan = all(
            get_tags(est).input_tags.allow_nan for _, est in self.estimators
        )
        return tags


class StackedEnsembleClassifier(ClassifierMixin, _BaseStackedEnsemble):
    """A meta-learner on the members' cross-fitted class probabilities.

    Read more in the :ref:`User Guide <ensembles>`.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The members (unfitted), each with ``predict_proba``.
    final_estimator : estimator, default=None
        The meta-learner; ``None``: ``LogisticRegression(C=1.0)``. It sees
        each member's log-odds (binary) or log-probabilities (multiclass).
    cv : int, cross-validation generator or iterable, default=5
        Folds of the cross-fitting in :meth:`fit` (stratified k-fold for an
        int). Rows that no fold predicts are left out of the meta-learner's
        training set.
    passthrough : bool, default=False
        Also give the meta-learner the original features (then ``X`` must
        be numeric).

    Attributes
    ----------
    estimators_ : list of estimator
        The members, fitted on all the data.
    named_estimators_ : dict
        The same, by name.
    final_estimator_ : estimator
        The fitted meta-learner.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray
        Column names of a DataFrame ``X`` with string names.

    See Also
    --------
    sklearn.ensemble.StackingClassifier : The same idea; needs folds that
        cover every row.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sklearn_automl.ensemble import StackedEnsembleClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> stack = StackedEnsembleClassifier(
    ...     [("lr", make_pipeline(StandardScaler(), LogisticRegression())),
    ...      ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))], cv=3)
    >>> stack.fit(X, y).score(X, y) > 0.9
    True
    """

    _is_classifier = True

    @staticmethod
    def _default_final():
        return LogisticRegression(C=1.0, max_iter=1000)

    @staticmethod
    def _member_predictions(member, X):
        return np.asarray(member.predict_proba(X), dtype=np.float64)

    def _transform_member(self, proba):
        p = np.clip(proba, _EPS, 1 - _EPS)
        if p.shape[1] == 2:
            return np.log(p[:, 1]) - np.log(p[:, 0])
        return np.log(p)

    def predict_proba(self, X):
        """Class probabilities of the meta-learner.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "final_estimator_")
        return self.final_estimator_.predict_proba(self._predict_meta(X))

    def predict(self, X):
        """Class labels of the meta-learner.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "final_estimator_")
        return self.final_estimator_.predict(self._predict_meta(X))


class StackedEnsembleRegressor(RegressorMixin, _BaseStackedEnsemble):
    """A meta-learner on the members' cross-fitted predictions.

    Read more in the :ref:`User Guide <ensembles>`.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The members (unfitted).
    final_estimator : estimator, default=None
        The meta-learner; ``None``: ``RidgeCV`` over ``alphas`` from 1e-3 to
        1e3.
    cv : int, cross-validation generator or iterable, default=5
        Folds of the cross-fitting in :meth:`fit`; rows no fold predicts are
        left out of the meta-learner's training set.
    passthrough : bool, default=False
        Also give the meta-learner the original (numeric) features.

    Attributes
    ----------
    estimators_ : list of estimator
        The members, fitted on all the data.
    named_estimators_ : dict
        The same, by name.
    final_estimator_ : estimator
        The fitted meta-learner.
    n_features_in_ : int
    feature_names_in_ : ndarray
        Column names of a DataFrame ``X`` with string names.

    See Also
    --------
    sklearn.ensemble.StackingRegressor : The same idea; needs folds that
        cover every row.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from sklearn_automl.ensemble import StackedEnsembleRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> stack = StackedEnsembleRegressor(
    ...     [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=3))], cv=3)
    >>> stack.fit(X, y).score(X, y) > 0.4
    True
    """

    _is_classifier = False

    @staticmethod
    def _default_final():
        return RidgeCV(alphas=np.logspace(-3, 3, 13))

    @staticmethod
    def _member_predictions(member, X):
        return np.asarray(member.predict(X), dtype=np.float64).reshape(-1)

    @staticmethod
    def _transform_member(pred):
        return pred

    def predict(self, X):
        """Predictions of the meta-learner.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "final_estimator_")
        return self.final_estimator_.predict(self._predict_meta(X))
