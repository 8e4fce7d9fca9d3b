"""Differentiable architecture search (DARTS, Liu et al. 2019) over the cell space.

A *supernet* replaces every possible edge of the normal cell (node ``k``
reading state ``j <= k``) by a mixed operation, the softmax-weighted sum
of all :data:`CELL_OPS`; the architecture weights ``alpha`` (one row per
edge, shared by all normal cells) are trained together with the network
weights, alternating first-order steps: a weight step on a batch of one
half of the training rows, an architecture step on a batch of the other
half. Discretization keeps, for each node, the edge and operation with the
largest weight, which gives a cell of the ordinary space
(``(op, input)`` per node) that is then retrained from scratch.
"""

import time

import numpy as np

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the `nas` extra is not installed
    torch = nn = F = None

from ._ops import CELL_OPS, make_op

__all__ = ["DartsSupernet", "derive_cell", "search_cell"]


def _edges(n_nodes):
    return [(k, j) for k in range(n_nodes) for j in range(k + 1)]


class MixedOp(nn.Module if nn is not None else object):
    """All cell operations on one edge, mixed by softmax weights."""

    def __init__(self, channels):
        super().__init__()
        self.ops = nn.ModuleList(make_op(name, channels, channels) for name in CELL_OPS)

    def forward(self, x, weights):
        return sum(w * op(x) for w, op in zip(weights, self.ops))


class SuperCell(nn.Module if nn is not None else object):
    """Node ``k`` sums the mixed operations of its edges; the cell sums its nodes."""

    def __init__(self, n_nodes, channels):
        super().__init__()
        self.edges = _edges(n_nodes)
        self.n_nodes = n_nodes
        self.mixed = nn.ModuleList(MixedOp(channels) for _ in self.edges)

    def forward(self, x, weights):
        states, e = [x], 0
        for k in range(self.n_nodes):
            node = 0
            for j in range(k + 1):
                node = node + self.mixed[e](states[j], weights[e])
                e += 1
            states.append(node)
        return sum(states[1:])


class DartsSupernet(nn.Module if nn is not None else object):
    """The one-shot network: stem, super-cells, factorized reductions, head.

    Parameters
    ----------
    in_channels, n_outputs, channels, n_stages, cells_per_stage : int
        As for :class:`~sklearn_automl.nas.CNNNetClassifier`.
    n_nodes : int
        Nodes per cell.
    """

    def __init__(self, in_channels, n_outputs, channels=8, n_stages=2,
                 cells_per_stage=1, n_nodes=3):
        super().__init__()
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(_edges(n_nodes)), len(CELL_OPS)))
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels)
        )
        self.layers = nn.ModuleList()
        c = channels
        for stage in range(n_stages):
            if stage:
                self.layers.append(make_op("factorized_reduce", c, 2 * c, stride=2))
                c *= 2
            self.layers.extend(SuperCell(n_nodes, c) for _ in range(cells_per_stage))
        self.head = nn.Linear(c, n_outputs)

    def weights(self):
        """The network weights (everything but ``alpha``)."""
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def forward(self, x):
        w = torch.softmax(self.alpha, dim=-1)
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x, w) if isinstance(layer, SuperCell) else layer(x)
        return self.head(x.mean(dim=(2, 3)))


def derive_cell(alpha, n_nodes):
    """The discrete cell: per node, the (operation, input) of largest weight.

    Parameters
    ----------
    alpha : array of shape (n_edges, len(CELL_OPS))
    n_nodes : int

    Returns
    -------
    cell : tuple of (str, int)
    """
    weights = np.exp(alpha - alpha.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    cell, e = [], 0
    for k in range(n_nodes):
        block = weights[e:e + k + 1]
        j, op = np.unravel_index(np.argmax(block), block.shape)
        cell.append((CELL_OPS[op], int(j)))
        e += k + 1
    return tuple(cell)


def search_cell(X, y, n_outputs, *, channels=8, n_stages=2, cells_per_stage=1,
                n_nodes=3, epochs=10, batch_size=64, lr=3e-3, arch_lr=3e-3,
                max_time=None, seed=0, loss="cross_entropy"):
    """Run first-order DARTS on ``(X, y)``; return the cell and the weights.

    Parameters
    ----------
    X : float32 array of shape (n, C, H, W)
        Standardized images.
    y : array of shape (n,) (class codes) or (n, n_outputs) (float targets)
    n_outputs : int
    epochs : int
        Passes over the weight half of the rows.
    max_time : float, optional
        Stop after this many seconds.
    seed : int

    Returns
    -------
    cell : tuple of (str, int)
    alpha : ndarray of shape (n_edges, len(CELL_OPS))
    n_epochs : int
        Epochs completed (the last one may be partial when time ran out).
    """
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = DartsSupernet(X.shape[1], n_outputs, channels, n_stages, cells_per_stage,
                            n_nodes)
    perm = torch.randperm(len(X), generator=gen)
    half = len(X) // 2
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    w_idx, a_idx = perm[:half], perm[half:]
    criterion = nn.CrossEntropyLoss() if loss == "cross_entropy" else nn.MSELoss()
    w_opt = torch.optim.AdamW(net.weights(), lr=lr, weight_decay=1e-4)
    a_opt = torch.optim.Adam([net.alpha], lr=arch_lr, betas=(0.5, 0.999),
                             weight_decay=1e-3)
    bs = max(2, min(batch_size, half))
    n_epochs = 0
    net.train()
    for _ in range(epochs):
        w_order = w_idx[torch.randperm(len(w_idx), generator=gen)]
        a_order = a_idx[torch.randperm(len(a_idx), generator=gen)]
        n_batches = max(1, len(w_order) // bs)
        for b in range(n_batches):
            ai = a_order[(b * bs) % len(a_order):][:bs]
            if len(ai) >= 2:  # architecture step on the held-out half
                a_opt.zero_grad()
                criterion(net(Xt[ai]), yt[ai]).backward()
                a_opt.step()
            wi = w_order[b * bs:(b + 1) * bs]
            w_opt.zero_grad()
            criterion(net(Xt[wi]), yt[wi]).backward()
            nn.utils.clip_grad_norm_(net.weights(), 5.0)
            w_opt.step()
            if max_time is not None and time.perf_counter() - start > max_time:
                break
        n_epochs += 1
        if max_time is not None and time.perf_counter() - start > max_time:
            break
    alpha = net.alpha.detach().numpy().copy()
    return derive_cell(alpha, n_nodes), alpha, n_epochs
