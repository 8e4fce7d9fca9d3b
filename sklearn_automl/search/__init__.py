"""Searchers: ask/tell strategies over a SearchSpace."""

from ._base import Searcher, SearchExhausted
from ._bayesian import BayesianSearch
from ._evolution import EvolutionarySearch
from ._grid import GridSearch
from ._random import RandomSearch

__all__ = [
    "BayesianSearch",
    "EvolutionarySearch",
    "GridSearch",
    "RandomSearch",
    "SearchExhausted",
    "Searcher",
]
