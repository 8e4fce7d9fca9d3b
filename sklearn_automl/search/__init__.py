"""Searchers: ask/tell strategies over a SearchSpace."""

from ._base import Searcher, SearchExhausted
from ._bayesian import BayesianSearch
from ._evolution import EvolutionarySearch
from ._grid import GridSearch
from ._random import RandomSearch
from ._schedulers import (
    ASHA,
    FullFidelity,
    Hyperband,
    Job,
    MedianPruner,
    SuccessiveHalving,
    ThresholdPruner,
)

__all__ = [
    "ASHA",
    "BayesianSearch",
    "EvolutionarySearch",
    "FullFidelity",
    "GridSearch",
    "Hyperband",
    "Job",
    "MedianPruner",
    "RandomSearch",
    "SearchExhausted",
    "Searcher",
    "SuccessiveHalving",
    "ThresholdPruner",
]
