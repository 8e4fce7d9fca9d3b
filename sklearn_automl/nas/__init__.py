"""Neural architecture search: skorch-wrapped PyTorch networks and their search.

torch and skorch are the ``nas`` extra (``pip install "sklearn_automl[nas]"``).
Importing this package does not import them: the names below load on first
use, and the estimators can be constructed without the extra (``fit`` then
raises an ImportError that says what to install).
"""

import importlib

_LAZY = {
    "MLPNetClassifier": "._estimators",
    "MLPNetRegressor": "._estimators",
    "CNNNetClassifier": "._estimators",
    "CNNNetRegressor": "._estimators",
    "NASClassifier": "._search",
    "NASRegressor": "._search",
    "ReinforceSearch": "._controller",
    "build_module": "._architectures",
    "count_params": "._archspec",
    "estimate_flops": "._archspec",
    "cnn_space": "._spaces",
    "cnn_baseline": "._spaces",
    "architecture_key": "._spaces",
    "zero_cost_proxies": "._proxies",
    "ArchitectureCache": "._screening",
    "ProxyScreening": "._screening",
    "export_network": "._export",
    "fold_batch_norm": "._inference",
    "mlp_space": "._spaces",
    "CELL_OPS": "._archspec",
    "REDUCE_OPS": "._archspec",
}

__all__ = [
    "CELL_OPS",
    "REDUCE_OPS",
    "ArchitectureCache",
    "CNNNetClassifier",
    "CNNNetRegressor",
    "MLPNetClassifier",
    "MLPNetRegressor",
    "NASClassifier",
    "NASRegressor",
    "ProxyScreening",
    "ReinforceSearch",
    "architecture_key",
    "build_module",
    "cnn_baseline",
    "cnn_space",
    "count_params",
    "estimate_flops",
    "export_network",
    "fold_batch_norm",
    "mlp_space",
    "zero_cost_proxies",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
