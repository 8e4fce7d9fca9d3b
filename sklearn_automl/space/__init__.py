"""The search-space language: distributions, spaces and model components."""

from ._components import Component
from ._early_stopping import (
    EarlyStopping,
    HistGradientBoostingStopping,
    LightGBMStopping,
)
from ._params import Categorical, Distribution, Float, Int, SearchSpace, config_key

__all__ = [
    "Categorical",
    "Component",
    "Distribution",
    "EarlyStopping",
    "Float",
    "HistGradientBoostingStopping",
    "Int",
    "LightGBMStopping",
    "SearchSpace",
    "config_key",
]
