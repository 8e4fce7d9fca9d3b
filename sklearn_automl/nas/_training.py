"""Training and measuring torch modules with skorch: device, precision, timing.

``_Net`` is a skorch ``NeuralNet`` that moves each batch to the device
without blocking (the loaders pin host memory on CUDA) and runs the
forward pass under bf16 autocast on CUDA devices that support it. The
helpers resolve ``device="auto"``, seed torch, scope the thread count and
measure latency and memory. This module imports only torch and skorch
(guarded, so that the estimators can be constructed without them) and is
copied into exported models by ``export_code``.
"""

import time
from contextlib import contextmanager

import numpy as np

from .._resources import available_cores

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the `nas` extra is not installed
    torch = nn = F = None

try:
    from skorch import NeuralNet
    from skorch.callbacks import Callback
except ImportError:  # the `nas` extra is not installed
    NeuralNet = Callback = object

_EXTRA_HINT = 'pip install "sklearn_automl[nas]"'


def require_torch(owner):
    """Raise a clear ImportError when torch or skorch is missing."""
    if torch is None or NeuralNet is object:
        raise ImportError(
            f"{owner} needs torch and skorch, the `nas` extra of sklearn_automl: "
            f"{_EXTRA_HINT}"
        )


_PRELOADED = []


def preload_lazy_imports():
    """Import now what torch would import lazily during the first training step.

    Building the first optimizer imports ``torch._dynamo`` (torch wraps
    ``Optimizer`` methods to keep them out of compilation), which brings in
    sympy, torch.fx and some 800 modules: seconds on a loaded machine. The
    AutoML calls this before a neural trial's timer is armed, so that a
    timeout cannot interrupt those imports half-way (which leaves e.g. a
    ``sympy`` without its ``core`` attribute in ``sys.modules`` and breaks
    every later trial of the process). Once per process; a no-op without
    torch.
    """
    if _PRELOADED or torch is None:
        return
    import importlib
    import warnings

    importlib.import_module("torch._dynamo")
    # one optimizer step: what else the first step imports (trace rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        param = nn.Parameter(torch.zeros(1))
        param.grad = torch.zeros(1)
        optimizer = torch.optim.AdamW([param])
        optimizer.step()
        optimizer.zero_grad()
    _PRELOADED.append(True)


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when a CUDA device is available, else ``"cpu"``."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but torch sees no CUDA device; use device='auto' "
            "or 'cpu'."
        )
    return device


def amp_dtype(device):
    """The autocast dtype for ``device``: bf16 on CUDA that supports it, else None."""
    if str(device).startswith("cuda") and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return None


@contextmanager
def torch_threads(n_jobs):
    """Run the block with ``n_jobs`` torch threads, then restore the count.

    ``None`` means one thread (scikit-learn's convention), ``-1`` all cores.
    One is also the safe choice for small networks on a shared machine: torch's
    worker threads spin, and two of them on two busy cores were measured 20
    times slower per epoch than one.
    """
    before = torch.get_num_threads()
    n = 1 if n_jobs is None else available_cores() if n_jobs < 0 else n_jobs
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def seeded(seed, device):
    """Seed torch for the block without touching the caller's global generator."""
    devices = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class TimeLimit(Callback):
    """Stop training once ``seconds`` have passed (checked after each batch).

    skorch ends ``fit`` cleanly on a ``KeyboardInterrupt`` raised in training,
    keeping the epochs done so far.
    """

    def __init__(self, seconds=None):
        self.seconds = seconds

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_batch_end(self, net, **kwargs):
        if self.seconds is not None and time.perf_counter() - self.start_ > self.seconds:
            raise KeyboardInterrupt


class Net(NeuralNet):
    """skorch ``NeuralNet`` with non-blocking device copies and bf16 autocast.

    ``amp`` is a plain flag so that the net pickles; the dtype is chosen on
    the device at hand, hence a net trained with autocast on CUDA predicts
    in float32 once loaded on a CPU-only machine.
    """

    def __init__(self, *args, amp=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.amp = amp

    def initialize(self):
        super().initialize()
        # skorch pickles its registered attributes (module_, optimizer_, ...)
        # apart and loads them with map_location, so that a net trained on
        # CUDA loads on a CPU-only machine. The module *instance* given as
        # `module` (the very object trained) and the callbacks (the LR
        # scheduler holds the optimizer, early stopping the best weights)
        # hold CUDA tensors too: pickled as plain attributes they could not
        # be loaded without CUDA (autogluon#5291). They go with the others.
        extra = [p for p in ("module", "callbacks")
                 if p not in self.cuda_dependent_attributes_]
        self.cuda_dependent_attributes_ = [*self.cuda_dependent_attributes_, *extra]
        return self

    def infer(self, x, **fit_params):
        x = x.to(self.device, non_blocking=True)
        dtype = amp_dtype(self.device) if self.amp else None
        if dtype is None:
            return self.module_(x, **fit_params)
        with torch.autocast(device_type=torch.device(self.device).type, dtype=dtype):
            return self.module_(x, **fit_params).float()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, y_true.to(self.device, non_blocking=True))


def _batch_of(X, n):
    """``n`` rows of ``X`` (repeated when it has fewer)."""
    reps = -(-n // len(X))
    return torch.as_tensor(X[:n] if len(X) >= n else np.concatenate([X] * reps)[:n])


def _best_time(module, x, cuda, device, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        module(x)
        if cuda:
            torch.cuda.synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best


def profile(module, X, device, n_jobs):
    """The hardware profile of inference of ``module`` on ``device``.

    Latency: the best of 3 timed forward passes of a batch of 256 rows and of
    10 passes of a single row (after a warm-up pass each), in eval mode with
    ``n_jobs`` torch threads. Memory on CUDA: the allocator's peak during the
    256-row pass. On CPU: parameters and buffers plus the largest input +
    output tensor bytes of any layer, seen by forward hooks (the activation
    high-water mark of a layer-by-layer evaluation).

    Parameters
    ----------
    module : torch.nn.Module
    X : ndarray
        Rows as the module takes them (standardized, float32); repeated to
        fill 256 rows when there are fewer.
    device : str
    n_jobs : int or None

    Returns
    -------
    profile : dict
        ``predict_latency_s_per_row`` (at batch 256),
        ``predict_latency_s_per_row_batch1``, ``peak_memory_mb``,
        ``model_size_bytes`` (parameters and buffers) and ``device``.
    """
    module.eval()
    cuda = str(device).startswith("cuda")
    x = _batch_of(X, 256).to(device)
    one = x[:1]
    leaves = [m for m in module.modules() if not list(m.children())]
    high = [0]
    weights = sum(t.numel() * t.element_size()
                  for t in [*module.parameters(), *module.buffers()])

    def hook(mod, inp, out):
        size = sum(t.numel() * t.element_size() for t in inp if torch.is_tensor(t))
        high[0] = max(high[0], size + out.numel() * out.element_size())

    with torch_threads(n_jobs), torch.no_grad():
        handles = [m.register_forward_hook(hook) for m in leaves]
        try:
            if cuda:
                torch.cuda.synchronize(device)
                torch.cuda.reset_peak_memory_stats(device)
                base = torch.cuda.memory_allocated(device)
            module(x)
        finally:
            for h in handles:
                h.remove()
        if cuda:
            torch.cuda.synchronize(device)
            peak = weights + torch.cuda.max_memory_allocated(device) - base
        else:
            peak = weights + high[0]
        batch = _best_time(module, x, cuda, device, 3)
        module(one)
        single = _best_time(module, one, cuda, device, 10)
    return {
        "predict_latency_s_per_row": batch / len(x),
        "predict_latency_s_per_row_batch1": single,
        "peak_memory_mb": peak / 2**20,
        "model_size_bytes": int(weights),
        "device": str(device),
    }


def _saturating_fit(scores, horizon):
    """Extrapolate a learning curve to epoch ``horizon``: ``(value, rmse)``.

    Fits ``a - b * t ** -c`` (``b >= 0``, ``c`` on a grid; least squares in
    ``a`` and ``b``) to the scores of epochs ``1 .. len(scores)``, the
    saturating power law of learning-curve extrapolation (Domhan et al.,
    2015). A falling curve is extrapolated as flat at its recent mean.
    """
    y = np.asarray(scores, dtype=float)
    t = np.arange(1, len(y) + 1, dtype=float)
    best = None
    for c in (0.25, 0.5, 1.0, 2.0):
        A = np.stack([np.ones_like(t), -(t ** -c)], axis=1)
        (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
        if b < 0:
            continue
        rmse = float(np.sqrt(np.mean((A @ (a, b) - y) ** 2)))
        if best is None or rmse < best[1]:
            best = (a - b * horizon ** -c, rmse)
    if best is None:
        recent = y[-3:]
        return float(recent.mean()), float(np.std(y - y.mean()))
    return float(best[0]), best[1]


class CurveStop(Callback):
    """Stop a network that cannot catch ``target`` (learning-curve extrapolation).

    After each epoch the net is scored on its validation split (accuracy for
    classification, R² for regression; recorded as ``curve_score`` in the
    net's history). From epoch ``min_epochs`` on, the saturating curve of
    :func:`_saturating_fit` is extrapolated to ``max_epochs``; when even that
    value plus a slack (twice the fit's error, at least ``min_slack``) stays
    below ``target``, training stops (the epochs done are kept). A target of
    ``-inf`` only records the scores.
    """

    def __init__(self, target=None, max_epochs=None, min_epochs=5, classification=True,
                 min_slack=0.02):
        self.target = target
        self.max_epochs = max_epochs
        self.min_epochs = min_epochs
        self.classification = classification
        self.min_slack = min_slack

    def on_train_begin(self, net, **kwargs):
        self.stopped_ = False

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        if dataset_valid is None:
            return
        preds, targets = [], []
        with torch.no_grad():
            for batch in net.get_iterator(dataset_valid, training=False):
                preds.append(net.evaluation_step(batch, training=False).float().cpu())
                targets.append(torch.as_tensor(batch[1]))
        pred, true = torch.cat(preds), torch.cat(targets)
        if self.classification:
            score = float((pred.argmax(1) == true).double().mean())
        else:
            true = true.reshape(pred.shape).double()
            sse = ((pred.double() - true) ** 2).sum(0)
            sst = ((true - true.mean(0)) ** 2).sum(0).clamp_min(1e-12)
            score = float((1 - sse / sst).mean())
        net.history.record("curve_score", score)
        scores = net.history[:, "curve_score"]
        if (self.target is None or not np.isfinite(self.target)
                or len(scores) < self.min_epochs or len(scores) >= self.max_epochs):
            return
        value, rmse = _saturating_fit(scores, self.max_epochs)
        if value + max(self.min_slack, 2 * rmse) < self.target:
            self.stopped_ = True
            net.history.record("curve_stopped", True)
            raise KeyboardInterrupt

