"""Neural-network estimators: an architecture and a training recipe, fitted with skorch.

Every architecture choice and training hyperparameter is a plain
constructor parameter, so the estimators clone, nest in ``GridSearchCV``
and are searched like any other model. ``fit`` builds the torch module
(:mod:`._architectures`) and trains it with a skorch net (AdamW, cosine or
constant learning rate, early stopping on a validation split, gradient
clipping), on CUDA when there is one.

This module imports torch and skorch only through its guarded siblings, so
the estimators can be constructed without the ``nas`` extra; ``fit`` then
raises an ImportError that names it.
"""

import math
import time
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._architectures import (
    CNN_DEFAULTS,
    build_module,
    check_architecture,
    count_params,
    estimate_flops,
)
from ._ops import ACTIVATIONS, CELL_OPS, NORMS, REDUCE_OPS
from ._training import (
    CurveStop,
    Net,
    TimeLimit,
    profile,
    require_torch,
    resolve_device,
    seeded,
    torch_threads,
)

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the `nas` extra is not installed
    torch = nn = F = None

#: fewest rows for which a validation split (and early stopping) is used
MIN_ROWS_FOR_VALIDATION = 20

_TRAINING_CONSTRAINTS = {
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "lr_schedule": [StrOptions({"cosine", "constant"})],
    "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
    "device": [StrOptions({"auto", "cpu", "cuda"}), str],
    "n_jobs": [Integral, None],
    "max_time": [Interval(Real, 0, None, closed="neither"), None],
    "curve_target": [Real, None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


class _BaseNet(BaseEstimator):
    """Training, prediction and measurements shared by all NAS estimators."""

    _architecture_keys = ()
    _kind = None
    _poor_score = False

    def architecture(self):
        """The architecture described by the parameters, as a plain dict.

        Returns
        -------
        arch : dict
            Accepted by :func:`~sklearn_automl.nas.count_params`,
            :func:`~sklearn_automl.nas.estimate_flops` and
            :func:`~sklearn_automl.nas.build_module`.
        """
        params = self.get_params(deep=False)
        return check_architecture(
            {"kind": self._kind, **{k: params[k] for k in self._architecture_keys}}
        )

    # -- input ------------------------------------------------------------
    def _shape_input(self, X, reset):
        """X as float32 ``(n, features)`` (tabular) or ``(n, C, H, W)`` (images)."""
        return X

    def _standardize(self, X, reset):
        axes = (0,) if X.ndim == 2 else (0, 2, 3)
        if reset:
            mean = X.mean(axis=axes, keepdims=True, dtype=np.float64)
            scale = X.std(axis=axes, keepdims=True, dtype=np.float64)
            scale[~(scale > 1e-12)] = 1.0
            self.mean_ = mean.astype(np.float32)[0]
            self.scale_ = scale.astype(np.float32)[0]
        return (X - self.mean_) / self.scale_

    # -- training ---------------------------------------------------------
    def _data_architecture(self):
        """Architecture entries that follow from the training data."""
        return {}

    def _fit_net(self, X, y, n_outputs, criterion):
        require_torch(type(self).__name__)
        arch = {**self.architecture(), **self._data_architecture()}
        self.architecture_ = arch
        device = resolve_device(self.device)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        n = len(X)
        use_valid = (self.early_stopping is not None or self.curve_target is not None
                     ) and n >= MIN_ROWS_FOR_VALIDATION
        n_train = n - math.ceil(n * self.validation_fraction) if use_valid else n
        batch = min(self.batch_size, n_train)
        stratified = False
        if use_valid and criterion == "cross_entropy":
            counts = np.bincount(y)
            stratified = counts.min() >= 2 and n - n_train >= n_outputs
        from skorch.callbacks import (
            EarlyStopping,
            GradientNormClipping,
            LRScheduler,
        )
        from skorch.dataset import ValidSplit

        callbacks = []
        if self.lr_schedule == "cosine":
            callbacks.append(("lr", LRScheduler(
                policy=torch.optim.lr_scheduler.CosineAnnealingLR, T_max=self.max_epochs
            )))
        if use_valid:
            callbacks.append(("stop", EarlyStopping(patience=self.early_stopping,
                                                    load_best=True)))
        if self.grad_clip is not None:
            callbacks.append(("clip", GradientNormClipping(self.grad_clip)))
        if self.max_time is not None:
            callbacks.append(("time", TimeLimit(self.max_time)))
        if use_valid and self.curve_target is not None:
            callbacks.append(("curve", CurveStop(
                self.curve_target, self.max_epochs,
                min_epochs=max(5, math.ceil(0.3 * self.max_epochs)),
                classification=criterion == "cross_entropy",
            )))
        cuda = device.startswith("cuda")
        loss = nn.CrossEntropyLoss if criterion == "cross_entropy" else nn.MSELoss
        self.input_dim_ = X.shape[1:] if X.ndim == 4 else X.shape[1]
        with torch_threads(self.n_jobs), seeded(seed, device):
            module = build_module(arch, self.input_dim_, n_outputs)
            generator = torch.Generator().manual_seed(seed)
            net = Net(
                module, criterion=loss, optimizer=torch.optim.AdamW, lr=self.lr,
                optimizer__weight_decay=self.weight_decay, max_epochs=self.max_epochs,
                batch_size=batch, callbacks=callbacks,
                train_split=ValidSplit(self.validation_fraction, stratified=stratified,
                                       random_state=seed) if use_valid else None,
                iterator_train__shuffle=True, iterator_train__generator=generator,
                iterator_train__drop_last=n_train % batch == 1,
                iterator_train__pin_memory=cuda, iterator_valid__pin_memory=cuda,
                device=device, amp=cuda, verbose=self.verbose,
            )
            start = time.perf_counter()
            net.fit(X, y)
            self.fit_time_ = time.perf_counter() - start
        # a torch.Generator is state, not configuration: do not pickle it
        net.iterator_train__generator = None
        self.net_ = net
        self.device_ = device
        # an epoch cut short by max_time has no duration and does not count
        durations = [h["dur"] for h in net.history if "dur" in h]
        self.n_epochs_ = len(durations)
        self.epoch_time_ = float(np.mean(durations)) if durations else self.fit_time_
        self.n_params_ = int(sum(p.numel() for p in net.module_.parameters()))
        self.flops_ = estimate_flops(arch, self.input_dim_, n_outputs)
        self.curve_scores_ = [h["curve_score"] for h in net.history if "curve_score" in h]
        self.curve_stopped_ = any(h.get("curve_stopped", False) for h in net.history)
        prof = profile(net.module_, X, device, self.n_jobs)
        self.latency_per_sample_ = prof["predict_latency_s_per_row"]
        self.peak_memory_ = int(prof["peak_memory_mb"] * 2**20)
        self.profile_ = {"n_params": self.n_params_, "flops": self.flops_, **prof}
        return self

    def _forward(self, X):
        """Raw network outputs (logits or standardized targets) as numpy."""
        check_is_fitted(self, "net_")
        X = self._standardize(self._shape_input(X, reset=False), reset=False)
        # the loader draws a seed for its workers from the global generator:
        # fork it so that predicting leaves the caller's random stream alone
        with torch_threads(self.n_jobs), torch.no_grad(), torch.random.fork_rng(
            devices=[]
        ):
            out = self.net_.forward(X, training=False, device="cpu")
        return out.float().numpy()

    def __setstate__(self, state):
        # skorch maps the weights to the CPU when CUDA is missing on load
        self.__dict__.update(state)
        if "net_" in state:
            self.device_ = str(self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


class _MLP(_BaseNet):
    _architecture_keys = ("n_blocks", "width", "width_decay", "block", "activation",
                          "normalization", "dropout")
    _kind = "mlp"
    _parameter_constraints: ClassVar[dict] = {
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "width_decay": [Interval(Real, 0, 2, closed="right")],
        "block": [StrOptions({"plain", "residual"})],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "normalization": [StrOptions(set(NORMS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "categorical_features": ["array-like", None],
        **_TRAINING_CONSTRAINTS,
    }

    def __init__(self, *, n_blocks=2, width=128, width_decay=1.0, block="plain",
                 activation="relu", normalization="batch", dropout=0.1,
                 categorical_features=None, max_epochs=100,
                 lr=3e-3, weight_decay=1e-4, batch_size=128, lr_schedule="cosine",
                 early_stopping=10, validation_fraction=0.1, grad_clip=1.0,
                 device="auto", n_jobs=None, max_time=None, curve_target=None,
                 random_state=None, verbose=0):
        self.n_blocks = n_blocks
        self.width = width
        self.width_decay = width_decay
        self.block = block
        self.activation = activation
        self.normalization = normalization
        self.dropout = dropout
        self.categorical_features = categorical_features
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.grad_clip = grad_clip
        self.device = device
        self.n_jobs = n_jobs
        self.max_time = max_time
        self.curve_target = curve_target
        self.random_state = random_state
        self.verbose = verbose

    def _categorical_columns(self, n_features):
        cats = [] if self.categorical_features is None else list(self.categorical_features)
        for j in cats:
            if not isinstance(j, (Integral, np.integer)) or not 0 <= j < n_features:
                raise ValueError(
                    f"categorical_features must hold column indices in [0, "
                    f"{n_features}), got {self.categorical_features!r}."
                )
        return [int(j) for j in cats]

    def _standardize(self, X, reset):
        cats = self._categorical_columns(X.shape[1])
        if not cats:
            return super()._standardize(X, reset)
        codes = X[:, cats]
        if not (np.isfinite(codes).all() and (codes == np.round(codes)).all()
                and (codes >= -1).all()):
            raise ValueError(
                f"The categorical_features columns {cats} must hold integer codes "
                ">= -1 (as OrdinalEncoder gives; -1 for missing or unknown)."
            )
        if reset:
            self.embedding_sizes_ = tuple(int(c.max()) + 2 for c in codes.T)
        out = super()._standardize(X, reset)
        # code + 1 indexes the embedding; 0 is missing, unknown or unseen
        shifted = codes + 1
        shifted[shifted >= np.asarray(self.embedding_sizes_)] = 0
        out[:, cats] = shifted
        return out

    def _data_architecture(self):
        cats = self._categorical_columns(self.n_features_in_)
        return {"embeddings": tuple(zip(cats, getattr(self, "embedding_sizes_", ())))}

    def _validate(self, X, y="no_validation", reset=True):
        if isinstance(y, str) and y == "no_validation":
            return validate_data(self, X, reset=reset, dtype=np.float32)
        regressor = is_regressor_net(self)
        return validate_data(self, X, y, reset=reset, dtype=np.float32,
                             ensure_min_samples=2, y_numeric=regressor,
                             multi_output=regressor)


class _CNN(_BaseNet):
    _architecture_keys = ("channels", "n_stages", "cells_per_stage", "cell", "reduce_op")
    _kind = "cnn"
    # flat tabular X is read as 1 x n_features images: not what a CNN is for
    _poor_score = True
    _parameter_constraints: ClassVar[dict] = {
        "channels": [Interval(Integral, 1, None, closed="left")],
        "n_stages": [Interval(Integral, 1, None, closed="left")],
        "cells_per_stage": [Interval(Integral, 1, None, closed="left")],
        "cell": [tuple, list],
        "reduce_op": [StrOptions(set(REDUCE_OPS))],
        "input_shape": [tuple, list, None],
        **_TRAINING_CONSTRAINTS,
    }

    def __init__(self, *, channels=16, n_stages=2, cells_per_stage=1,
                 cell=CNN_DEFAULTS["cell"], reduce_op="factorized_reduce",
                 input_shape=None, max_epochs=30, lr=3e-3, weight_decay=1e-4,
                 batch_size=64, lr_schedule="cosine", early_stopping=10,
                 validation_fraction=0.1, grad_clip=1.0, device="auto", n_jobs=None,
                 max_time=None, curve_target=None, random_state=None, verbose=0):
        self.channels = channels
        self.n_stages = n_stages
        self.cells_per_stage = cells_per_stage
        self.cell = cell
        self.reduce_op = reduce_op
        self.input_shape = input_shape
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.grad_clip = grad_clip
        self.device = device
        self.n_jobs = n_jobs
        self.max_time = max_time
        self.curve_target = curve_target
        self.random_state = random_state
        self.verbose = verbose

    def _validate(self, X, y="no_validation", reset=True):
        kwargs = {"dtype": np.float32, "allow_nd": True, "reset": reset}
        if isinstance(y, str) and y == "no_validation":
            return validate_data(self, X, **kwargs)
        regressor = is_regressor_net(self)
        return validate_data(self, X, y, ensure_min_samples=2, y_numeric=regressor,
                             multi_output=regressor, **kwargs)


    def _shape_input(self, X, reset):
        X = image_batch(X, self.input_shape)
        if reset:
            self.input_shape_ = X.shape[1:]
        elif X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X holds images of shape {X.shape[1:]} (channels, height, width), "
                f"but {type(self).__name__} was fitted on {self.input_shape_}."
            )
        return X


def image_batch(X, input_shape=None):
    """``X`` as a float32 ``(n, channels, height, width)`` array.

    ``(n, H, W)`` gets one channel; flat ``(n, features)`` is reshaped to
    ``input_shape`` (``(H, W)`` or ``(C, H, W)``), or read as single-channel
    ``1 x features`` images when ``input_shape`` is None.
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if X.ndim == 4:
        shape = X.shape[1:]
    elif X.ndim == 3:
        shape = (1, *X.shape[1:])
    elif X.ndim == 2 and input_shape is None:
        shape = (1, 1, X.shape[1])
    elif X.ndim == 2:
        shape = tuple(int(s) for s in input_shape)
        shape = (1, *shape) if len(shape) == 2 else shape
        if len(shape) != 3 or math.prod(shape) != X.shape[1]:
            raise ValueError(
                f"input_shape={tuple(input_shape)!r} does not fit {X.shape[1]} features "
                "per row; give (height, width) or (channels, height, width) whose "
                "product is the number of features."
            )
    else:
        raise ValueError(
            "Image input must have 2 (flat, with input_shape), 3 (N, H, W) or 4 "
            f"(N, C, H, W) dimensions, got X with shape {X.shape}."
        )
    return X.reshape((n, *shape))


def is_regressor_net(est):
    return isinstance(est, RegressorMixin)


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
        The trained net (its ``module_`` is the torch module).
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
