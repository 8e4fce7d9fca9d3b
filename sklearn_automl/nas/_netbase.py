"""What the NAS estimators share: validation, training, prediction, persistence.

:class:`_BaseNet` builds the torch module (:mod:`._architectures`) and trains
it with a skorch net (AdamW, cosine or constant learning rate, early stopping
on a validation split, gradient clipping), on CUDA when there is one;
:class:`_MLP` and :class:`_CNN` hold the parameters of the two families;
the task mixins and the public estimators that combine them are in
:mod:`._estimators`.

A fitted estimator pickles (and dumps with ``skops.io``) its network as plain
data: the architecture it already holds, the module's ``state_dict`` as numpy
arrays and the net's history as lists of numbers (:func:`net_state`); loading
rebuilds the module (:func:`net_from_state`) on the device it was trained on,
or on the CPU when that device is missing. The optimizer's state and the
training callbacks are not kept: a loaded network predicts as before, and
``fit`` trains a new one as always.

This module does not import torch or skorch: the functions that train,
predict or rebuild a network import them (and :mod:`._training`,
:mod:`._architectures`) when they run. Constructing, cloning and
validating the estimators, and the AutoML's plan of a search that holds
them, so never pay torch's import (seconds, hundreds of MB in every
process); without the ``nas`` extra, ``fit`` raises an ImportError that
names it.
"""

import math
import sys
import time
import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._archspec import (
    ACTIVATIONS,
    CNN_DEFAULTS,
    NORMS,
    REDUCE_OPS,
    check_architecture,
    estimate_flops,
)

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
        from ._training import require_torch

        require_torch(type(self).__name__)
        import torch
        from torch import nn

        from ._architectures import build_module
        from ._training import (
            CurveStop,
            Net,
            TimeLimit,
            profile,
            resolve_device,
            seeded,
            torch_threads,
        )

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
        import torch

        from ._training import torch_threads

        X = self._standardize(self._shape_input(X, reset=False), reset=False)
        # the loader draws a seed for its workers from the global generator:
        # fork it so that predicting leaves the caller's random stream alone
        with torch_threads(self.n_jobs), torch.no_grad(), torch.random.fork_rng(
            devices=[]
        ):
            out = self.net_.forward(X, training=False, device="cpu")
        return out.float().numpy()

    # -- persistence --------------------------------------------------------
    def __getstate__(self):
        # the net as plain data (no torch or skorch object), for pickle and skops
        state = dict(super().__getstate__())
        if state.get("net_") is not None and not _is_net_state(state["net_"]):
            state["net_"] = net_state(state["net_"], self._n_outputs())
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.get("net_")
        if _is_net_state(saved):
            state["net_"] = None
        super().__setstate__(state)
        if _is_net_state(saved):
            self.net_ = net_from_state(saved, self)
        if getattr(self, "net_", None) is not None:
            # a net pickled whole (before the plain state) is mapped to the CPU
            # by skorch when CUDA is missing
            self.device_ = str(self.net_.device)

    def _n_outputs(self):
        if hasattr(self, "classes_"):
            return len(self.classes_)
        return len(self.y_mean_)

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


# -- the network as plain data ----------------------------------------------
#: marks a net stored as plain data (see net_state)
_NET_KEY = "__sklearn_automl_torch_net__"


def _is_net_state(value):
    return isinstance(value, dict) and _NET_KEY in value


def _plain(value):
    """``value`` as Python numbers, strings, lists and dicts (skops stores those)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    torch = sys.modules.get("torch")  # not imported: no value is a tensor
    if torch is not None and torch.is_tensor(value):
        return value.detach().cpu().tolist()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def net_state(net, n_outputs):
    """A trained skorch ``net`` as plain data: weights, history, settings.

    The module's ``state_dict`` becomes numpy arrays on the CPU (a tensor
    numpy has no dtype for, such as bfloat16, is stored as float32 and its
    dtype recorded), the history lists of numbers. The optimizer's state and
    the callbacks are dropped: they serve training, not prediction.

    Parameters
    ----------
    net : sklearn_automl.nas._training.Net
    n_outputs : int
        Outputs of the module (classes, or targets).

    Returns
    -------
    state : dict
        Read back by :func:`net_from_state`.
    """
    import torch

    weights, dtypes = {}, {}
    for name, tensor in net.module_.state_dict().items():
        tensor = tensor.detach().cpu()
        if tensor.dtype == torch.bfloat16:
            dtypes[name] = str(tensor.dtype).removeprefix("torch.")
            tensor = tensor.float()
        weights[name] = tensor.numpy().copy()
    return {
        _NET_KEY: 1,
        "weights": weights,
        "dtypes": dtypes,
        "n_outputs": int(n_outputs),
        "device": str(net.device),
        "amp": bool(getattr(net, "amp", False)),
        "lr": float(net.lr),
        "weight_decay": float(getattr(net, "optimizer__weight_decay", 0.0)),
        "max_epochs": int(net.max_epochs),
        "batch_size": int(net.batch_size),
        "history": _plain(list(net.history)),
    }


def net_from_state(state, estimator):
    """Rebuild the skorch net of :func:`net_state` for a fitted ``estimator``.

    The module is built from ``estimator.architecture_`` (without touching
    torch's global random stream), its weights loaded, and it is moved to
    the device it was trained on; when that is a CUDA device and torch sees
    none, to the CPU, with a warning. The net is ready to predict; its
    optimizer is built only if the net itself is trained again
    (``partial_fit``), and then starts afresh from these weights.
    """
    from ._training import require_torch

    require_torch(type(estimator).__name__)
    import torch
    from skorch.history import History
    from torch import nn

    from ._architectures import build_module
    from ._training import Net

    device = state["device"]
    if device.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"This {type(estimator).__name__} was trained on {device!r} but torch "
            "sees no CUDA devices: its network is loaded on the CPU.",
            UserWarning, stacklevel=3,
        )
        device = "cpu"
    with torch.random.fork_rng(devices=[]):
        module = build_module(estimator.architecture_, estimator.input_dim_,
                              state["n_outputs"])
    weights = {name: torch.from_numpy(np.array(array))
               for name, array in state["weights"].items()}
    for name, dtype in state["dtypes"].items():
        weights[name] = weights[name].to(getattr(torch, dtype))
    module.load_state_dict(weights)
    classifier = isinstance(estimator, ClassifierMixin)
    net = Net(
        module, criterion=nn.CrossEntropyLoss if classifier else nn.MSELoss,
        optimizer=torch.optim.AdamW, lr=state["lr"],
        optimizer__weight_decay=state["weight_decay"], max_epochs=state["max_epochs"],
        batch_size=state["batch_size"], train_split=None, device=device,
        amp=state["amp"], verbose=0,
    )
    # what predicting needs, but not the optimizer: building the first one
    # imports torch._dynamo (seconds), and fit() initializes one anyway
    net._initialize_virtual_params()
    net._initialize_callbacks()
    net._initialize_module()
    net._initialize_criterion()
    net.history_ = History(state["history"])
    return net
