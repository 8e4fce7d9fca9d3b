"""Neural-network estimators: an architecture and a training recipe, fitted with skorch.

Every architecture choice and training hyperparameter is a plain
constructor parameter, so the estimators clone, nest in ``GridSearchCV``
and are searched like any other model. ``fit`` builds the torch module
(:mod:`._architectures`) and trains it with a skorch net (AdamW, cosine or
constant learning rate, early stopping on a validation split, gradient
clipping), on CUDA when there is one; what the four estimators share is in
:mod:`._netbase`. A fitted estimator pickles and dumps with ``skops.io`` as
plain data (architecture, weights as numpy arrays), so that no torch or
skorch type needs to be trusted to load it.

Like :mod:`._netbase`, this module does not import torch or skorch (``fit``
does), so the estimators can be constructed and cloned without paying for
torch's import, or without the ``nas`` extra; ``fit`` then raises an
ImportError that names it.
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._archspec import CELL_OPS, count_params, estimate_flops
from ._netbase import (  # the helpers are imported from here by the package
    _CNN,
    _MLP,
    MIN_ROWS_FOR_VALIDATION,  # noqa: F401
    image_batch,  # noqa: F401
    is_regressor_net,  # noqa: F401
)


class _Classifier(ClassifierMixin):
    def _fit(self, X, y):
        X, y = self._validate(X, y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y, got 1 class "
                f"({self.classes_[0]!r})."
            )
        X = self._standardize(self._shape_input(X, reset=True), reset=True)
        return self._fit_net(X, encoder.transform(y).astype(np.int64),
                             len(self.classes_), "cross_entropy")

    def predict_proba(self, X):
        """Class probabilities of ``X``, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "net_")
        logits = self._forward(self._validate(X, reset=False))
        logits = logits - logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of each row of ``X``.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = self._poor_score
        return tags


class _Regressor(RegressorMixin):
    def _fit(self, X, y):
        X, y = self._validate(X, y)
        y = np.asarray(y, dtype=np.float64)
        self._single_target = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.y_mean_ = y2.mean(axis=0)
        std = y2.std(axis=0)
        self.y_scale_ = np.where(std > 1e-12, std, 1.0)
        X = self._standardize(self._shape_input(X, reset=True), reset=True)
        target = ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32)
        return self._fit_net(X, target, y2.shape[1], "mse")

    def predict(self, X):
        """Predicted targets of ``X``.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self, "net_")
        out = self._forward(self._validate(X, reset=False)) * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._single_target else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = self._poor_score
        return tags


_MLP_DOC = """
    Parameters
    ----------
    n_blocks : int, default=2
        Number of blocks (depth).
    width : int or tuple of int, default=128
        Units of the first block, or of each block (one int per block).
    width_decay : float, default=1.0
        With an int ``width``, block ``i`` has ``round(width * width_decay**i)``
        units (1.0: constant width; 0.5: halving funnel).
    block : {"plain", "residual"}, default="plain"
        Plain blocks (linear, normalization, activation, dropout) or
        pre-normalized residual blocks (two linear layers and a skip).
    activation : {"relu", "gelu", "silu"}, default="relu"
    normalization : {"batch", "layer", "none"}, default="batch"
    dropout : float in [0, 1), default=0.1
    categorical_features : list of int or None, default=None
        Columns holding integer category codes (``0 .. n - 1``, ``-1`` for
        missing or unknown, as :class:`~sklearn.preprocessing.OrdinalEncoder`
        gives): each gets a learned embedding of ``min(16, (n + 2) // 2)``
        values instead of entering the network as a number.
    max_epochs : int, default=100
        Epochs at most (the fidelity knob of multi-fidelity searches).
    lr : float, default=3e-3
        Peak learning rate of AdamW.
    weight_decay : float, default=1e-4
        Decoupled weight decay of AdamW.
    batch_size : int, default=128
    lr_schedule : {"cosine", "constant"}, default="cosine"
        Cosine annealing over ``max_epochs``, or a constant rate.
    early_stopping : int or None, default=10
        Stop after this many epochs without a better validation loss and
        restore the best weights; None trains all ``max_epochs`` on all rows.
        Only with at least 20 rows.
    validation_fraction : float in (0, 1), default=0.1
        Share of the rows held out for early stopping (stratified when the
        classes allow it).
    grad_clip : float or None, default=1.0
        Clip the gradients' global norm to this value.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        ``"auto"`` trains on CUDA when torch sees a GPU. On CUDA the forward
        pass runs under bf16 autocast (where supported), loaders pin host
        memory and batches are copied without blocking.
    n_jobs : int or None, default=None
        Torch threads during ``fit`` and ``predict`` (None: 1, -1: all
        cores), restored afterwards. Small networks train fastest on one
        thread on a busy machine.
    max_time : float or None, default=None
        Stop training after this many seconds (keeps the epochs done).
    curve_target : float or None, default=None
        Learning-curve stopping: score the net after each epoch on a
        validation split (``validation_fraction`` of the rows; accuracy, or
        R² for regression) and stop once the saturating curve fitted to
        those scores, extrapolated to ``max_epochs``, cannot reach
        ``curve_target`` (``sklearn_automl.nas._training.CurveStop``). The
        NAS searches set it to the best score so far; ``-inf`` records the
        scores without stopping. Only with at least 20 rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and the validation split; on CPU
        a fixed integer gives identical predictions run after run.
    verbose : int, default=0
        skorch's per-epoch log when positive.
"""

_FITTED_DOC = """
    n_features_in_ : int
    architecture_ : dict
        The architecture trained, with entries that follow from the data
        (``embeddings``: ``(column, n_codes)`` pairs).
    net_ : skorch.NeuralNet
        The trained net (its ``module_`` is the torch module). Pickling and
        ``skops.io`` store it as plain data (architecture, weights as numpy
        arrays, history); a loaded net predicts the same, on the CPU when it
        was trained on a CUDA device that the machine lacks, without the
        optimizer's state (see :ref:`persistence`).
    device_ : str
        The device the net lives on.
    n_params_ : int
        Trainable parameters (equals :func:`count_params` of the architecture).
    flops_ : int
        Estimated FLOPs of one forward pass of one sample.
    latency_per_sample_ : float
        Measured inference seconds per sample (batch of 256 rows).
    peak_memory_ : int
        Peak memory of inference of that batch, in bytes (see
        ``sklearn_automl.nas._training.profile``).
    profile_ : dict
        The hardware profile on ``device_``: ``n_params``, ``flops``,
        ``predict_latency_s_per_row`` (batch 256),
        ``predict_latency_s_per_row_batch1``, ``peak_memory_mb``,
        ``model_size_bytes`` and ``device`` (the leaderboard's columns).
    curve_scores_ : list of float
        Validation score after each epoch (with ``curve_target`` only).
    curve_stopped_ : bool
        Whether learning-curve stopping ended the training.
    n_epochs_ : int
        Epochs trained.
    epoch_time_ : float
        Mean seconds per epoch.
    fit_time_ : float
        Seconds spent training.
"""


class MLPNetClassifier(_Classifier, _MLP):
    __doc__ = (
        """A multilayer perceptron of plain or residual blocks, trained with skorch.

    Read more in the :ref:`User Guide <nas>`.
    """
        + _MLP_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
"""
        + _FITTED_DOC
        + """
    See Also
    --------
    MLPNetRegressor : The same network for regression.
    NASClassifier : Searches the architecture.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl.nas import MLPNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPNetClassifier(n_blocks=2, width=32, max_epochs=30,
    ...                        random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build the network and train it on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        return self._fit(X, y)


class MLPNetRegressor(_Regressor, _MLP):
    __doc__ = (
        """A multilayer perceptron of plain or residual blocks for regression.

    Targets are standardized for training and predictions mapped back.

    Read more in the :ref:`User Guide <nas>`.
    """
        + _MLP_DOC
        + """
    Attributes
    ----------
"""
        + _FITTED_DOC
        + """
    See Also
    --------
    MLPNetClassifier : The same network for classification.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn_automl.nas import MLPNetRegressor
    >>> X, y = make_regression(200, 5, noise=1.0, random_state=0)
    >>> reg = MLPNetRegressor(width=64, max_epochs=60, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build the network and train it on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return self._fit(X, y)


_CNN_DOC = """
    Parameters
    ----------
    channels : int, default=16
        Channels of the first stage (doubled by each reduction).
    n_stages : int, default=2
        Stages; each after the first starts with a stride-2 ``reduce_op``.
    cells_per_stage : int, default=1
        Normal cells per stage.
    cell : tuple of (str, int), default=(("conv3x3", 0), ("conv3x3", 1))
        The normal cell: node ``k`` applies an operation to state ``input``
        (0: the cell input, ``j``: node ``j``); the cell outputs the sum of
        the nodes no other node reads. Operations: ``"conv3x3"``,
        ``"conv5x5"``, ``"sep_conv3x3"`` (depthwise-separable),
        ``"dil_conv3x3"`` (dilation 2), ``"max_pool3x3"``, ``"avg_pool3x3"``,
        ``"skip"``, ``"inv_res3x3"`` (MobileNetV2 inverted residual).
    reduce_op : str, default="factorized_reduce"
        Reduction between stages: ``"factorized_reduce"``, ``"conv3x3"``,
        ``"sep_conv3x3"``, ``"max_pool3x3"``, ``"avg_pool3x3"``,
        ``"inv_res3x3"`` (at stride 2, doubling the channels).
    input_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(C, H, W)`` of each row of a flat 2-D ``X``. X of
        shape (N, H, W) or (N, C, H, W) needs none; a flat X without it is
        read as single-channel ``1 x n_features`` images.
    max_epochs : int, default=30
    lr : float, default=3e-3
    weight_decay : float, default=1e-4
    batch_size : int, default=64
    lr_schedule : {"cosine", "constant"}, default="cosine"
    early_stopping : int or None, default=10
    validation_fraction : float in (0, 1), default=0.1
    grad_clip : float or None, default=1.0
    device : {"auto", "cpu", "cuda"} or str, default="auto"
    n_jobs : int or None, default=None
    max_time : float or None, default=None
    curve_target : float or None, default=None
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        As for :class:`MLPNetClassifier`.
"""


class CNNNetClassifier(_Classifier, _CNN):
    __doc__ = (
        """A cell-based convolutional network for images, trained with skorch.

    Images are standardized per channel.

    Read more in the :ref:`User Guide <nas>`.
    """
        + _CNN_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        ``(channels, height, width)`` of the training images.
"""
        + _FITTED_DOC
        + """
    See Also
    --------
    NASClassifier : Searches the cell.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_automl.nas import CNNNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNNetClassifier(channels=8, max_epochs=2, input_shape=(8, 8),
    ...                        random_state=0).fit(X[:300], y[:300])
    >>> clf.predict(X[:3]).shape
    (3,)
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build the network and train it on images ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (N, H, W), (N, C, H, W) or (N, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        return self._fit(X, y)


class CNNNetRegressor(_Regressor, _CNN):
    __doc__ = (
        """A cell-based convolutional network for regression on images.

    Read more in the :ref:`User Guide <nas>`.
    """
        + _CNN_DOC
        + """
    Attributes
    ----------
    input_shape_ : tuple of int
"""
        + _FITTED_DOC
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build the network and train it on images ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (N, H, W), (N, C, H, W) or (N, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return self._fit(X, y)


__all__ = [
    "CELL_OPS",
    "CNNNetClassifier",
    "CNNNetRegressor",
    "MLPNetClassifier",
    "MLPNetRegressor",
    "count_params",
    "estimate_flops",
]
