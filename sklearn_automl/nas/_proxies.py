"""Zero-cost proxies: score an untrained architecture on one minibatch.

Each proxy builds the network at its initialisation and looks at one
minibatch (or, for synflow, at no data at all); a higher value is meant to
predict a higher accuracy after training. They cost one forward and at most
one backward pass, so a search can rank many sampled architectures and
train only the most promising (:class:`~sklearn_automl.nas.ProxyScreening`).
How well each one ranks is measured, not assumed: ``benchmarks/nas_proxies.py``
reports the rank correlation of each with the trained accuracy.

- ``"synflow"`` (Tanaka et al., 2020): sum of ``|theta * dR/dtheta|`` for
  ``R`` the output sum of the network with all weights made positive, on an
  all-ones input (batch norm in inference mode, that is the identity at
  initialisation); computed in float64.
- ``"grad_norm"``: the norm of the gradient of the training loss on the
  minibatch, summed over parameter tensors.
- ``"jacob_cov"`` (Mellor et al., 2020): how decorrelated the input
  Jacobians of the samples are (``-sum(log(v + k) + 1 / (v + k))`` over the
  eigenvalues ``v`` of their correlation matrix, ``k = 1e-5``).
- ``"naswot"`` (Mellor et al., 2021): log-determinant of the kernel of
  Hamming agreements between the samples' binary ReLU activation codes.
- ``"n_params"``: the parameter count, the naive baseline every proxy has
  to beat.
"""

import math

import numpy as np

from ._architectures import build_module, count_params
from ._training import require_torch, seeded

try:
    import torch
    from torch import nn
except ImportError:  # the `nas` extra is not installed
    torch = nn = None

__all__ = ["PROXIES", "zero_cost_proxies"]

#: the proxies :func:`zero_cost_proxies` computes
PROXIES = ("synflow", "grad_norm", "jacob_cov", "naswot", "n_params")


def _synflow(module, input_shape):
    module = module.double().eval()
    signs = {}
    with torch.no_grad():
        for name, p in module.state_dict().items():
            if p.is_floating_point():
                signs[name] = torch.sign(p)
                p.abs_()
    module.zero_grad()
    x = torch.ones((1, *input_shape), dtype=torch.float64)
    module(x).sum().backward()
    with torch.no_grad():
        score = sum(float((p * p.grad).abs().sum())
                    for p in module.parameters() if p.grad is not None)
    module.float()
    return math.log(score) if score > 0 else -math.inf


def _grad_norm(module, x, y, loss):
    module.train()
    module.zero_grad()
    loss(module(x), y).backward()
    with torch.no_grad():
        return float(sum(p.grad.norm() for p in module.parameters()
                         if p.grad is not None))


def _jacob_cov(module, x):
    module.train()
    x = x.clone().requires_grad_(True)
    module(x).sum().backward()
    jac = x.grad.reshape(len(x), -1).double().numpy()
    corr = np.corrcoef(jac)
    if not np.all(np.isfinite(corr)):
        return -math.inf
    v = np.linalg.eigvalsh(corr)
    k = 1e-5
    return float(-np.sum(np.log(np.abs(v) + k) + 1.0 / (np.abs(v) + k)))


def _naswot(module, x):
    module.train()
    codes = []

    def hook(mod, inp, out):
        codes.append((out.detach().reshape(len(x), -1) > 0).double())

    acts = [m for m in module.modules() if isinstance(m, (nn.ReLU, nn.ReLU6))]
    handles = [m.register_forward_hook(hook) for m in acts]
    try:
        with torch.no_grad():
            module(x)
    finally:
        for h in handles:
            h.remove()
    if not codes:
        return 0.0
    c = torch.cat(codes, dim=1)
    # agreements: units both on plus units both off
    kernel = c @ c.T + (1 - c) @ (1 - c).T
    sign, logdet = np.linalg.slogdet(kernel.numpy())
    return float(logdet) if sign > 0 else -math.inf


def zero_cost_proxies(arch, X, y, *, input_shape, n_outputs, task="classification",
                      proxies=PROXIES, random_state=0):
    """Zero-cost proxies of an untrained architecture on one minibatch.

    Read more in the :ref:`User Guide <nas>`.

    Parameters
    ----------
    arch : dict
        An architecture (:meth:`CNNNetClassifier.architecture`, or the
        estimator parameters of a configuration).
    X : ndarray
        One standardized minibatch, shaped as the network takes it:
        ``(n, features)`` or ``(n, channels, height, width)``, float32.
    y : ndarray of shape (n,) or (n, n_outputs)
        Class indices ``0 .. n_outputs - 1`` (classification) or
        standardized targets (regression).
    input_shape : int or tuple of int
        Features, or ``(channels, height, width)``.
    n_outputs : int
        Classes, or targets.
    task : {"classification", "regression"}, default="classification"
    proxies : tuple of str, default=PROXIES
        Which of ``"synflow"``, ``"grad_norm"``, ``"jacob_cov"``,
        ``"naswot"``, ``"n_params"`` to compute.
    random_state : int, default=0
        Seed of the initial weights (the same for every architecture).

    Returns
    -------
    scores : dict of str -> float
        Higher means more promising (``-inf`` where a proxy is undefined).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_automl.nas import zero_cost_proxies
    >>> arch = {"kind": "cnn", "channels": 8, "n_stages": 1,
    ...         "cell": (("conv3x3", 0),)}
    >>> X = np.random.RandomState(0).randn(16, 1, 8, 8).astype("float32")
    >>> y = np.arange(16) % 4
    >>> scores = zero_cost_proxies(arch, X, y, input_shape=(1, 8, 8), n_outputs=4)
    >>> sorted(scores)
    ['grad_norm', 'jacob_cov', 'n_params', 'naswot', 'synflow']
    """
    require_torch("zero_cost_proxies")
    unknown = set(proxies) - set(PROXIES)
    if unknown:
        raise ValueError(f"Unknown proxies {sorted(unknown)}; known: {PROXIES}.")
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    if task == "classification":
        target = torch.as_tensor(np.asarray(y, dtype=np.int64))
        loss = nn.CrossEntropyLoss()
    else:
        target = torch.as_tensor(np.asarray(y, dtype=np.float32).reshape(len(x), -1))
        loss = nn.MSELoss()
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
    out = {}
    for name in proxies:
        if name == "n_params":
            out[name] = float(count_params(arch, shape, n_outputs))
            continue
        # a fresh network per proxy: each one changes weights or gradients
        with seeded(int(random_state), "cpu"):
            module = build_module(arch, shape, n_outputs)
        if name == "synflow":
            out[name] = _synflow(module, shape if isinstance(shape, tuple) else (shape,))
        elif name == "grad_norm":
            out[name] = _grad_norm(module, x, target, loss)
        elif name == "jacob_cov":
            out[name] = _jacob_cov(module, x)
        else:
            out[name] = _naswot(module, x)
    return out
