"""Public transformers that turn mixed tables into model input."""

from ._columns import infer_column_kinds
from ._encoders import CategoryNormalizer
from ._simple import make_simple_featurizer

__all__ = ["CategoryNormalizer", "infer_column_kinds", "make_simple_featurizer"]
