"""The search-space language: distributions, spaces and model components."""

from ._components import Component
from ._params import Categorical, Distribution, Float, Int, SearchSpace, config_key

__all__ = [
    "Categorical",
    "Component",
    "Distribution",
    "Float",
    "Int",
    "SearchSpace",
    "config_key",
]
