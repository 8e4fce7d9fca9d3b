"""Export a fitted network as a standalone PyTorch package.

:func:`export_network` writes a directory that needs numpy and torch only
(no sklearn_automl, no skorch, no scikit-learn):

- ``model.py``: the ``nn.Module`` as plain PyTorch code generated from the
  architecture (one explicit constructor call per layer, the cell's forward
  unrolled), the operations it uses, and the input preprocessing;
- ``weights.pt``: the trained ``state_dict`` with the preprocessing
  statistics and the classes (or target scaling), saved from the CPU and
  loaded with ``map_location`` and ``weights_only=True``;
- ``inference.py``: load the weights, predict a batch (command line and
  ``load()``), with optional batch-norm folding, ``torch.jit.trace`` or
  ``torch.compile``;
- ``train.py``: train the same network from scratch on arrays or CSV with
  the searched recipe (AdamW, learning rate, weight decay, schedule,
  epochs, batch size, clipping, early stopping);
- ``requirements.txt`` (pinned versions) and ``__init__.py``.

Values reach the generated source only through ``repr`` of plain Python
values (ints, floats, strings, tuples of them); user data (classes) goes
into ``weights.pt``, never into source.
"""

import inspect
import os
import platform
from pathlib import Path

from . import _export_templates as T
from . import _inference, _ops
from ._architectures import cell_outputs, check_architecture, embedding_dim

try:
    import torch
except ImportError:  # the `nas` extra is not installed
    torch = None

__all__ = ["export_network"]

#: files of an exported package
FILES = ("__init__.py", "model.py", "weights.pt", "inference.py", "train.py",
         "requirements.txt")

_OP_CALLS = {
    "conv3x3": ("ReLUConvBN", "{ci}, {co}, 3, {s}"),
    "conv5x5": ("ReLUConvBN", "{ci}, {co}, 5, {s}"),
    "dil_conv3x3": ("ReLUConvBN", "{ci}, {co}, 3, {s}, dilation=2"),
    "sep_conv3x3": ("SepConv", "{ci}, {co}, 3, {s}"),
    "max_pool3x3": ("Pool", "'max', {ci}, {co}, {s}"),
    "avg_pool3x3": ("Pool", "'avg', {ci}, {co}, {s}"),
    "inv_res3x3": ("InvertedResidual", "{ci}, {co}, {s}"),
    "factorized_reduce": ("FactorizedReduce", "{ci}, {co}"),
}


def _op_call(name, c_in, c_out, stride, used):
    """Source of the constructor call of one cell-space operation."""
    if name == "skip" and stride == 1 and c_in == c_out:
        return "nn.Identity()"
    if name == "skip":
        name = "factorized_reduce"
    cls, args = _OP_CALLS[name]
    used.add(cls)
    return f"{cls}({args.format(ci=c_in, co=c_out, s=stride)})"


def _source_of(names):
    """The source of the given classes/functions of ``_ops``, on plain ``nn.Module``."""
    parts = []
    if "InvertedResidual" in names:
        parts.append(f"INV_RES_EXPANSION = {_ops.INV_RES_EXPANSION!r}")
    for name in ("make_activation", "make_norm1d", "ReLUConvBN", "SepConv", "Pool",
                 "InvertedResidual", "FactorizedReduce", "PlainBlock", "ResidualBlock"):
        if name in names:
            src = inspect.getsource(getattr(_ops, name))
            parts.append(src.replace("(_Module):", "(nn.Module):").rstrip())
    return "\n\n\n".join(parts)


def _cnn_classes(arch, input_shape, n_outputs):
    """``(used op names, source of Cell and Network)`` of a CNN architecture."""
    used = set()
    cell = arch["cell"]
    outputs = cell_outputs(cell)
    ops = [f"            {_op_call(op, '{c}', '{c}', 1, used)},  # node {k + 1} <- "
           f"{'input' if i == 0 else f'node {i}'}"
           for k, (op, i) in enumerate(cell)]
    body = ["        states = [x]"]
    for k, (_, i) in enumerate(cell):
        body.append(f"        states.append(self.ops[{k}](states[{i}]))")
    body.append("        return " + " + ".join(f"states[{k}]" for k in outputs))
    cell_src = (
        "class Cell(nn.Module):\n"
        '    """The normal cell: node k applies its operation to the cell input or\n'
        '    an earlier node; the cell returns the sum of the nodes no node reads."""\n\n'
        "    def __init__(self, c):\n"
        "        super().__init__()\n"
        "        self.ops = nn.ModuleList([\n"
        + "\n".join(line.replace("{c}", "c") for line in ops) + "\n"
        "        ])\n\n"
        "    def forward(self, x):\n" + "\n".join(body)
    )
    layers, c = [], arch["channels"]
    for stage in range(arch["n_stages"]):
        if stage:
            layers.append(f"            {_op_call(arch['reduce_op'], c, 2 * c, 2, used)},"
                          f"  # reduction to stage {stage + 1}")
            c *= 2
        layers += [f"            Cell({c}),"] * arch["cells_per_stage"]
    c0 = arch["channels"]
    net_src = (
        "class Network(nn.Module):\n"
        '    """Stem, stages of cells separated by reductions, pooled linear head."""\n\n'
        "    def __init__(self):\n"
        "        super().__init__()\n"
        f"        self.stem = nn.Sequential(\n"
        f"            nn.Conv2d({input_shape[0]}, {c0}, 3, 1, 1, bias=False),\n"
        f"            nn.BatchNorm2d({c0}),\n"
        "        )\n"
        "        self.cells = nn.Sequential(\n" + "\n".join(layers) + "\n        )\n"
        f"        self.head = nn.Linear({c}, {n_outputs})\n\n"
        "    def forward(self, x):\n"
        "        x = self.cells(self.stem(x))\n"
        "        return self.head(x.mean(dim=(2, 3)))"
    )
    return used, cell_src + "\n\n\n" + net_src


def _mlp_classes(arch, n_features, n_outputs):
    """``(used names, source of Network)`` of a tabular architecture."""
    from ._architectures import block_widths

    emb = arch["embeddings"]
    cat_cols = [c for c, _ in emb]
    num_cols = [j for j in range(n_features) if j not in set(cat_cols)]
    residual = arch["block"] == "residual"
    cls = "ResidualBlock" if residual else "PlainBlock"
    used = {cls, "make_activation", "make_norm1d"}
    d = len(num_cols) + sum(embedding_dim(n) for _, n in emb)
    layers = []
    for w in block_widths(arch):
        layers.append(f"            {cls}({d}, {w}, {arch['activation']!r}, "
                      f"{arch['normalization']!r}, {arch['dropout']!r}),")
        d = w
    if residual:
        layers += [f"            make_norm1d({arch['normalization']!r}, {d}),",
                   f"            make_activation({arch['activation']!r}),"]
    init = ["        super().__init__()"]
    forward = []
    if emb:
        init += [
            (f"        self.register_buffer('num_cols', torch.tensor({num_cols!r}), "
            "persistent=False)"),
            f"        self.cat_cols = {cat_cols!r}",
            "        self.embed = nn.ModuleList([",
            *[f"            nn.Embedding({n}, {embedding_dim(n)}),  # column {c}"
              for c, n in emb],
            "        ])",
        ]
        forward += [
            "        parts = [x.index_select(1, self.num_cols)]",
            ("        parts += [emb(x[:, j].long()) for j, emb in "
            "zip(self.cat_cols, self.embed)]"),
            "        x = torch.cat(parts, dim=1)",
        ]
    init += ["        self.blocks = nn.Sequential(", *layers, "        )",
             f"        self.head = nn.Linear({d}, {n_outputs})"]
    forward.append("        return self.head(self.blocks(x))")
    src = (
        "class Network(nn.Module):\n"
        '    """Embeddings of categorical columns, the blocks, a linear head."""\n\n'
        "    def __init__(self):\n" + "\n".join(init) + "\n\n"
        "    def forward(self, x):\n" + "\n".join(forward)
    )
    return used, src


_MODEL_TAIL_CNN = '''

def build_model():
    """The untrained network (load ``weights.pt`` into it: see inference.py)."""
    return Network()


def as_input(X):
    """``X`` as float32 images ``(n, C, H, W)``: ``(n, H, W)`` gets one channel, flat
    rows are reshaped to ``INPUT_SHAPE``."""
    X = np.asarray(X, dtype=np.float32)
    return X.reshape((len(X), *INPUT_SHAPE))


def preprocess(X, stats):
    """What the network takes: images standardized per channel (``stats``)."""
    X = as_input(X)
    return ((X - stats["mean"]) / stats["scale"]).astype(np.float32)
'''

_MODEL_TAIL_MLP = '''

def build_model():
    """The untrained network (load ``weights.pt`` into it: see inference.py)."""
    return Network()


def as_input(X):
    """``X`` as a float32 ``(n, features)`` array."""
    X = np.asarray(X, dtype=np.float32)
    return X.reshape(len(X), -1)


def preprocess(X, stats):
    """What the network takes: standardized features (``stats``); a categorical
    column's integer code ``k`` (-1: missing) becomes ``k + 1``, codes beyond
    the embedding become 0 (unknown)."""
    X = as_input(X)
    out = ((X - stats["mean"]) / stats["scale"]).astype(np.float32)
    for column, size in ARCHITECTURE["embeddings"]:
        codes = X[:, column] + 1
        codes[codes >= size] = 0
        out[:, column] = codes
    return out
'''


def _versions():
    import numpy

    def plain(v):
        return v.split("+")[0]

    return {"numpy": plain(numpy.__version__), "torch": plain(torch.__version__)}


def _header(estimator, title):
    from .. import __version__

    lines = [
        f'"""{title}',
        "",
        (f"Exported by sklearn_automl {__version__} from a fitted "
        f"{type(estimator).__name__} (python {platform.python_version()}, torch "
        f"{_versions()['torch']}). Needs numpy and torch only."),
        '"""',
    ]
    return "\n".join(lines)


def model_source(estimator):
    """The source of ``model.py`` for a fitted NAS network."""
    arch = check_architecture({k: v for k, v in estimator.architecture_.items()})
    n_out = int(estimator.net_.module_.head.out_features)
    task = "classification" if hasattr(estimator, "classes_") else "regression"
    if arch["kind"] == "cnn":
        shape = tuple(int(s) for s in estimator.input_shape_)
        used, classes = _cnn_classes(arch, shape, n_out)
        tail = _MODEL_TAIL_CNN
        what = "(channels, height, width) of one image"
    else:
        shape = int(estimator.n_features_in_)
        used, classes = _mlp_classes(arch, shape, n_out)
        tail = _MODEL_TAIL_MLP
        what = "number of input features"
    plain_arch = {k: v for k, v in arch.items()}
    parts = [
        _header(estimator, f"The {arch['kind'].upper()} found by sklearn_automl, as "
                "plain PyTorch code.\n\n``build_model()`` returns the untrained "
                "``nn.Module`` (``Network``);\n``preprocess(X, stats)`` gives what it "
                "takes, with the statistics saved\nin ``weights.pt``."),
        ("import numpy as np\nimport torch\nfrom torch import nn\n"
        "from torch.nn import functional as F  # noqa: F401 (the reductions use it)"),
        (f"#: the task the network was trained for\nTASK = {task!r}\n"
        f"#: {what}\nINPUT_SHAPE = {shape!r}\n"
        f"#: classes, or regression targets\nN_OUTPUTS = {n_out!r}\n"
        "#: the architecture, as sklearn_automl describes it\n"
        f"ARCHITECTURE = {plain_arch!r}"),
        _source_of(used),
        classes,
    ]
    return "\n\n\n".join(p for p in parts if p) + "\n" + tail


def _constants(estimator):
    params = estimator.get_params()
    recipe = {k: params[k] for k in ("max_epochs", "lr", "weight_decay", "batch_size",
                                     "lr_schedule", "grad_clip", "early_stopping",
                                     "validation_fraction")}
    seed = params["random_state"]
    recipe["seed"] = int(seed) if isinstance(seed, int) else 0
    return recipe


def _script(estimator, title, body, extra="", imports=""):
    return "\n\n".join([
        _header(estimator, title),
        "import argparse\nimport csv\nimport sys\nfrom pathlib import Path\n"
        + imports + "\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        + ("from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval\n"
           if imports else ""),
        T.IMPORT_MODEL.strip(),
        "HERE = Path(__file__).resolve().parent\n" + extra,
        T.READ_DATA.strip(),
    ]) + "\n" + body


def _fold_source():
    """:func:`fold_batch_norm` and its helpers, copied from ``_inference``."""
    names = ("_bn_affine", "_fold_into_conv_halves", "_fold_norm_before_linear",
             "fold_batch_norm", "_fold")
    return "\n\n\n".join(inspect.getsource(getattr(_inference, n)).rstrip()
                          for n in names)


def _checkpoint(estimator):
    """The content of ``weights.pt``: every tensor on the CPU, plain values."""
    state = {k: v.detach().cpu().clone() for k, v in
             estimator.net_.module_.state_dict().items()}
    stats = {"mean": torch.from_numpy(estimator.mean_.copy()),
             "scale": torch.from_numpy(estimator.scale_.copy())}
    out = {"state_dict": state, "preprocessing": stats, "classes": None, "target": {}}
    if hasattr(estimator, "classes_"):
        classes = estimator.classes_.tolist()
        if not all(isinstance(c, (str, int, float, bool)) for c in classes):
            raise TypeError(
                "export_network stores the classes in weights.pt as str, int, float "
                f"or bool; got {sorted({type(c).__name__ for c in classes})}."
            )
        out["classes"] = classes
    else:
        out["target"] = {"mean": torch.from_numpy(estimator.y_mean_.copy()),
                         "scale": torch.from_numpy(estimator.y_scale_.copy()),
                         "single": torch.tensor(bool(estimator._single_target))}
    return out


def export_network(estimator, path, *, overwrite=False):
    """Write a fitted network as a standalone PyTorch package directory.

    Read more in the :ref:`User Guide <nas>`.

    Parameters
    ----------
    estimator : MLPNetClassifier, MLPNetRegressor, CNNNetClassifier or CNNNetRegressor
        Fitted (the ``best_estimator_`` of a NAS search, say).
    path : str or path-like
        The directory to write (created if missing).
    overwrite : bool, default=False
        Replace the package's files; otherwise an existing one is an error.

    Returns
    -------
    path : Path
        The directory, holding ``model.py``, ``weights.pt``, ``inference.py``,
        ``train.py``, ``requirements.txt`` and ``__init__.py``.

    Raises
    ------
    FileExistsError
        One of those files exists and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_automl.nas import CNNNetClassifier, export_network
    >>> X, y = load_digits(return_X_y=True)
    >>> net = CNNNetClassifier(channels=8, n_stages=1, max_epochs=1,
    ...                        random_state=0).fit(X[:200].reshape(-1, 8, 8), y[:200])
    >>> folder = export_network(net, tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['__init__.py', 'inference.py', 'model.py', 'requirements.txt', 'train.py',
     'weights.pt']
    """
    if not hasattr(estimator, "net_"):
        raise ValueError(
            f"export_network needs a fitted network; {type(estimator).__name__} is not "
            "fitted (or not a sklearn_automl.nas network)."
        )
    path = Path(os.fspath(path))
    path.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        existing = [name for name in FILES if (path / name).exists()]
        if existing:
            raise FileExistsError(
                f"{path} already holds {existing}; pass overwrite=True to replace them."
            )
    batch = int(estimator.net_.batch_size)
    inference = _script(
        estimator, "Predict with the exported network: load the weights, predict "
        "a batch.\n\n    python inference.py rows.csv --output predictions.csv\n\n"
        "In Python: ``predictor = load(); predictor.predict(X)``.",
        "\n\n" + _fold_source() + T.INFERENCE,
        extra=f"#: rows per forward pass (as the fitted estimator)\nBATCH_SIZE = {batch!r}",
        imports="import copy\n",
    )
    train = _script(
        estimator, "Train the exported network from scratch with the searched recipe."
        "\n\n    python train.py train.csv --target COLUMN   (or train.npz with X, y)\n\n"
        "Writes weights.pt, which inference.py loads.",
        T.TRAIN,
        extra=f"#: the training recipe of the fitted estimator\nRECIPE = "
              f"{_constants(estimator)!r}",
    )
    versions = _versions()
    texts = {
        "__init__.py": '"""A network exported by sklearn_automl (see model.py)."""\n',
        "model.py": model_source(estimator),
        "inference.py": inference,
        "train.py": train,
        "requirements.txt": "".join(f"{k}=={v}\n" for k, v in versions.items()),
    }
    for name, text in texts.items():
        if name.endswith(".py"):
            compile(text, name, "exec")  # the generated source always parses
        with open(path / name, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    torch.save(_checkpoint(estimator), path / "weights.pt")
    return path
