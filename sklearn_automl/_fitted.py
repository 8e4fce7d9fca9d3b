"""What a fitted AutoML search offers besides predicting: its code and reports.

:class:`FittedSearchMixin` (a base of :class:`~sklearn_automl._automl.BaseAutoML`)
holds the thin public methods that read a fitted search: ``export_code``
(the tabular module of :mod:`._codegen`, or, for a search on images, the
PyTorch package of :func:`~sklearn_automl.nas.export_network`), ``summary``
and ``feature_importances`` (:mod:`.inspection`).
"""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

__all__ = ["FittedSearchMixin", "image_network"]


def image_network(automl):
    """The fitted network of an image search's ``best_estimator_``.

    Raises
    ------
    ValueError
        ``best_estimator_`` is an ensemble (or anything but a one-step
        pipeline of one network): the message says what can be exported.
    """
    model = automl.best_estimator_
    steps = getattr(model, "steps", None)
    if steps is not None and len(steps) == 1 and hasattr(steps[0][1], "net_"):
        return steps[0][1]
    members = getattr(model, "estimators_", None)
    n = len(members) if members is not None else 0
    what = (f"an ensemble of {n} network{'s' * (n != 1)} ({type(model).__name__})"
            if members is not None else f"a {type(model).__name__}")
    raise ValueError(
        f"export_code writes one network as a PyTorch package, but best_estimator_ "
        f"is {what}. Refit with ensemble_size=0 to keep the best network alone and "
        "export it, or save the whole model with joblib.dump(best_estimator_)."
    )


class FittedSearchMixin:
    """``export_code``, ``summary`` and ``feature_importances`` of a fitted search."""

    def export_code(self, path=None, *, overwrite=False):
        """Python source that rebuilds ``best_estimator_`` without this library.

        The module defines ``build_model()`` (the unfitted estimator with every
        hyperparameter as found), ``fit_model(X, y)`` (fits it under the same
        thread limit as the refit, so predictions match ``best_estimator_``
        bit for bit) and a command line to fit on and predict CSV files.

        A search on images (``input_shape_`` set) is exported as
        :class:`~sklearn_automl.nas.NASClassifier` exports its network: a
        package directory at ``path`` with ``model.py`` (the network as plain
        PyTorch code), ``weights.pt``, ``inference.py``, ``train.py`` and
        ``requirements.txt`` that needs numpy and torch only (see
        :func:`~sklearn_automl.nas.export_network`); the returned source is
        ``model.py``. Only a single network can be exported so: an ensemble
        of networks raises ``ValueError`` (refit with ``ensemble_size=0``).
        Read more in :ref:`export`.

        Parameters
        ----------
        path : str or path-like, optional
            A file to write (or a directory: ``model.py`` and
            ``requirements.txt`` are written inside it). Required for a search
            on images: the directory of the package (created if missing).
        overwrite : bool, default=False
            Replace existing files; otherwise an existing file is an error.

        Returns
        -------
        source : str
            The generated module (for images: the package's ``model.py``).
        """
        check_is_fitted(self, "best_estimator_")
        if getattr(self, "input_shape_", None) is not None:
            from .nas._export import export_network

            net = image_network(self)
            if path is None:
                raise ValueError(
                    "export_code on a search on images writes a package directory "
                    "(model.py, weights.pt, inference.py, train.py, requirements.txt):"
                    " pass path, the directory to write."
                )
            folder = export_network(net, path, overwrite=overwrite)
            return (folder / "model.py").read_text(encoding="utf-8")
        from ._codegen import export_code

        return export_code(self, path, overwrite=overwrite)

    def summary(self):
        """What the search did: time per phase, trials, families, ensemble.

        A thin call to :func:`sklearn_automl.inspection.fit_summary`;
        ``print(search.summary())`` shows the report. Read more in
        :ref:`inspection`.

        Returns
        -------
        summary : :class:`~sklearn_automl.inspection.FitSummary`
        """
        from .inspection import fit_summary

        return fit_summary(self)

    def feature_importances(self, X, y, *, n_repeats=5, max_samples=1.0,
                            random_state=None, n_jobs=None):
        """Permutation importance of the input columns for the final model.

        A thin call to :func:`sklearn_automl.inspection.permutation_importances`
        with this search's scorer. Read more in :ref:`inspection`.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Preferably held-out data, with the columns seen in ``fit``.
        y : array-like of shape (n_samples,)
        n_repeats : int, default=5
        max_samples : int or float, default=1.0
        random_state : int, RandomState or None, default=None
        n_jobs : int or None, default=None

        Returns
        -------
        importances : DataFrame
            One row per input column, most important first:
            ``importance_mean``, ``importance_std``, ``repeat_<k>``.
        """
        from .inspection import permutation_importances

        return permutation_importances(
            self, X, y, n_repeats=n_repeats, max_samples=max_samples,
            random_state=random_state, n_jobs=n_jobs,
        )
