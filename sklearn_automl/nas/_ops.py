"""Torch building blocks of the NAS architectures.

The tabular blocks (plain and residual MLP blocks) and the operations of
the cell-based CNN space, each a small ``nn.Module``. Every operation maps
``c_in`` channels to ``c_out`` channels at ``stride`` 1 (a normal cell:
``c_in == c_out``) or 2 (a reduction: the spatial size becomes
``ceil(size / 2)``), so any operation can sit on any edge of a cell.

This module imports only torch (and the operation names of
:mod:`._archspec`): ``export_code`` copies its classes into exported
models. Without torch installed it still imports (the classes are then
placeholders that are never built).
"""

from ._archspec import (  # noqa: F401 - the operation names, re-exported
    ACTIVATIONS,
    CELL_OPS,
    INV_RES_EXPANSION,
    NORMS,
    REDUCE_OPS,
)

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the `nas` extra is not installed
    torch = nn = F = None

# the base of the modules below: a placeholder without torch (never built then)
_Module = nn.Module if nn is not None else object


def make_activation(name):
    """A fresh activation module by name."""
    return {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU}[name]()


def make_norm1d(name, width):
    """A normalization of ``width`` features by name (``"none"``: identity)."""
    if name == "batch":
        return nn.BatchNorm1d(width)
    if name == "layer":
        return nn.LayerNorm(width)
    return nn.Identity()


class PlainBlock(_Module):
    """Linear -> normalization -> activation -> dropout."""

    def __init__(self, d_in, width, activation="relu", norm="batch", dropout=0.0):
        super().__init__()
        self.linear = nn.Linear(d_in, width)
        self.norm = make_norm1d(norm, width)
        self.act = make_activation(activation)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.act(self.norm(self.linear(x))))


class ResidualBlock(_Module):
    """Pre-normalized residual block: ``proj(x) + W2 drop(act(W1 norm(x)))``.

    ``proj`` is the identity when the width does not change, otherwise a
    linear map without bias.
    """

    def __init__(self, d_in, width, activation="relu", norm="batch", dropout=0.0):
        super().__init__()
        self.norm = make_norm1d(norm, d_in)
        self.linear1 = nn.Linear(d_in, width)
        self.act = make_activation(activation)
        self.drop = nn.Dropout(dropout)
        self.linear2 = nn.Linear(width, width)
        self.proj = nn.Identity() if d_in == width else nn.Linear(d_in, width, bias=False)

    def forward(self, x):
        return self.proj(x) + self.linear2(self.drop(self.act(self.linear1(self.norm(x)))))


class ReLUConvBN(_Module):
    """ReLU -> (dilated) convolution -> batch norm."""

    def __init__(self, c_in, c_out, kernel, stride=1, dilation=1):
        super().__init__()
        pad = dilation * (kernel - 1) // 2
        self.op = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(c_in, c_out, kernel, stride, pad, dilation=dilation, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        return self.op(x)


class SepConv(_Module):
    """Depthwise-separable convolution: ReLU -> depthwise kxk -> pointwise 1x1 -> BN."""

    def __init__(self, c_in, c_out, kernel=3, stride=1):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(c_in, c_in, kernel, stride, kernel // 2, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        return self.op(x)


class Pool(_Module):
    """3x3 max or average pooling, then a 1x1 projection if channels change."""

    def __init__(self, kind, c_in, c_out, stride=1):
        super().__init__()
        if kind == "max":
            self.pool = nn.MaxPool2d(3, stride, 1)
        else:
            self.pool = nn.AvgPool2d(3, stride, 1, count_include_pad=False)
        self.proj = None
        if c_in != c_out:
            self.proj = nn.Sequential(nn.Conv2d(c_in, c_out, 1, bias=False),
                                      nn.BatchNorm2d(c_out))

    def forward(self, x):
        x = self.pool(x)
        return x if self.proj is None else self.proj(x)


class InvertedResidual(_Module):
    """MobileNetV2 block: 1x1 expand -> depthwise 3x3 -> 1x1 project (+ x)."""

    def __init__(self, c_in, c_out, stride=1, expansion=INV_RES_EXPANSION):
        super().__init__()
        hidden = c_in * expansion
        self.residual = stride == 1 and c_in == c_out
        self.op = nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(),
            nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        out = self.op(x)
        return x + out if self.residual else out


class FactorizedReduce(_Module):
    """Halve the spatial size with two offset 1x1 stride-2 convolutions.

    Works for odd sizes too: the input is padded by one on the bottom and
    right before the offset branch, so both branches give ``ceil(size / 2)``.
    """

    def __init__(self, c_in, c_out):
        super().__init__()
        half = c_out // 2
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(c_in, half, 1, 2, bias=False)
        self.conv2 = nn.Conv2d(c_in, c_out - half, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv1(x), self.conv2(shifted)], dim=1))


def make_op(name, c_in, c_out, stride=1):
    """Build operation ``name`` of the cell space.

    Parameters
    ----------
    name : str
        One of :data:`CELL_OPS` or ``"factorized_reduce"``.
    c_in, c_out : int
        Channels in and out.
    stride : {1, 2}
    """
    if name == "conv3x3":
        return ReLUConvBN(c_in, c_out, 3, stride)
    if name == "conv5x5":
        return ReLUConvBN(c_in, c_out, 5, stride)
    if name == "dil_conv3x3":
        return ReLUConvBN(c_in, c_out, 3, stride, dilation=2)
    if name == "sep_conv3x3":
        return SepConv(c_in, c_out, 3, stride)
    if name in ("max_pool3x3", "avg_pool3x3"):
        return Pool(name[:3], c_in, c_out, stride)
    if name == "inv_res3x3":
        return InvertedResidual(c_in, c_out, stride)
    if name == "factorized_reduce" or (name == "skip" and stride == 2):
        return FactorizedReduce(c_in, c_out)
    if name == "skip" and c_in == c_out:
        return nn.Identity()
    raise ValueError(f"Unknown operation {name!r}; known: {CELL_OPS + REDUCE_OPS}.")
