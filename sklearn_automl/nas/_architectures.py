"""Architectures as plain data, the torch modules built from them, and their costs.

An architecture is a dict of plain values, the architecture parameters of
the NAS estimators:

- tabular (``kind="mlp"``): ``n_blocks``, ``width`` (an int, or one int
  per block), ``width_decay`` (block ``i`` of an int ``width`` has
  ``round(width * width_decay ** i)`` units), ``block`` (``"plain"`` or
  ``"residual"``), ``activation``, ``normalization``, ``dropout``, and
  ``embeddings``: ``(column, n_codes)`` pairs of categorical input columns
  (filled in by ``fit`` from the data);
- images (``kind="cnn"``): ``channels`` of the first stage, ``n_stages``
  (each stage after the first starts with a stride-2 ``reduce_op`` that
  doubles the channels), ``cells_per_stage``, ``cell`` (the normal cell:
  a tuple of ``(operation, input)`` nodes, ``input`` 0 being the cell's
  input and ``k`` the ``k``-th node; the cell outputs the sum of the nodes
  no other node reads) and ``reduce_op``.

The description's names, defaults, validation and costs
(:func:`count_params`, :func:`estimate_flops`: from the description alone)
are in :mod:`._archspec`, which needs no torch, and are re-exported here;
the tests check the costs against the built modules. This module builds
the torch modules (:func:`build_module`).
"""

from ._archspec import (  # noqa: F401 - the description's helpers are re-exported
    ACTIVATIONS,
    CELL_OPS,
    CNN_DEFAULTS,
    INV_RES_EXPANSION,
    MLP_DEFAULTS,
    NORMS,
    REDUCE_OPS,
    _n_features,
    block_widths,
    cell_outputs,
    check_architecture,
    count_params,
    embedding_dim,
    estimate_flops,
)
from ._ops import (
    PlainBlock,
    ResidualBlock,
    _Module,
    make_activation,
    make_norm1d,
    make_op,
)

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the `nas` extra is not installed
    torch = nn = F = None


class MLPNet(_Module):
    """Embeddings of categorical columns, plain or residual blocks, a linear head.

    ``embeddings`` is a tuple of ``(column, size)``: that input column holds
    integer codes ``0 .. size - 1`` (0 for unknown), each mapped to a learned
    vector of :func:`embedding_dim` values; the other columns go in as they are.
    """

    def __init__(self, d_in, n_outputs, widths, block="plain", activation="relu",
                 normalization="batch", dropout=0.0, embeddings=()):
        super().__init__()
        cls = ResidualBlock if block == "residual" else PlainBlock
        cat_cols = [int(c) for c, _ in embeddings]
        num_cols = [j for j in range(d_in) if j not in set(cat_cols)]
        self.register_buffer("num_cols", torch.tensor(num_cols, dtype=torch.long),
                             persistent=False)
        self.cat_cols = cat_cols
        self.embed = nn.ModuleList(nn.Embedding(n, embedding_dim(n)) for _, n in embeddings)
        layers = []
        d = len(num_cols) + sum(embedding_dim(n) for _, n in embeddings)
        for w in widths:
            layers.append(cls(d, w, activation, normalization, dropout))
            d = w
        if block == "residual":  # the residual stream is not normalized inside
            layers += [make_norm1d(normalization, d), make_activation(activation)]
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(d, n_outputs)

    def forward(self, x):
        if self.cat_cols:
            parts = [x.index_select(1, self.num_cols)]
            parts += [emb(x[:, j].long()) for j, emb in zip(self.cat_cols, self.embed)]
            x = torch.cat(parts, dim=1)
        return self.head(self.blocks(x))


class Cell(_Module):
    """A normal cell: nodes ``op(state[input])``; output the sum of loose ends."""

    def __init__(self, cell, channels):
        super().__init__()
        self.inputs = [i for _, i in cell]
        self.outputs = cell_outputs(cell)
        self.ops = nn.ModuleList(make_op(op, channels, channels) for op, _ in cell)

    def forward(self, x):
        states = [x]
        for op, i in zip(self.ops, self.inputs):
            states.append(op(states[i]))
        out = states[self.outputs[0]]
        for k in self.outputs[1:]:
            out = out + states[k]
        return out


class CellCNN(_Module):
    """Stem, stages of normal cells separated by reductions, pooled linear head."""

    def __init__(self, in_channels, n_outputs, channels, n_stages, cells_per_stage,
                 cell, reduce_op):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels)
        )
        layers, c = [], channels
        for stage in range(n_stages):
            if stage:
                layers.append(make_op(reduce_op, c, 2 * c, stride=2))
                c *= 2
            layers += [Cell(cell, c) for _ in range(cells_per_stage)]
        self.cells = nn.Sequential(*layers)
        self.head = nn.Linear(c, n_outputs)

    def forward(self, x):
        x = self.cells(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))


def build_module(arch, input_shape, n_outputs):
    """The torch module of ``arch`` for inputs of ``input_shape``.

    Parameters
    ----------
    arch : dict
        See the module docstring; checked by :func:`check_architecture`.
    input_shape : int or tuple
        Number of features (tabular) or ``(channels, height, width)``.
    n_outputs : int
        Classes, or targets of a regression.
    """
    arch = check_architecture(arch)
    if arch["kind"] == "mlp":
        return MLPNet(_n_features(input_shape), n_outputs, block_widths(arch), arch["block"],
                      arch["activation"], arch["normalization"], arch["dropout"],
                      arch["embeddings"])
    return CellCNN(input_shape[0], n_outputs, arch["channels"], arch["n_stages"],
                   arch["cells_per_stage"], arch["cell"], arch["reduce_op"])
