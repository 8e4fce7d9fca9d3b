"""Public transformers that turn mixed, messy tables into model input.

Every class here is a scikit-learn transformer (``get_feature_names_out``,
``set_output``, cloning and pickling work); :class:`AutoFeaturizer` puts
them together for a whole table.
"""

from ._auto import AutoFeaturizer
from ._columns import KINDS, infer_column_kinds
from ._datetime import DatetimeFeatures
from ._encoders import CategoricalEncoder, CategoryNormalizer
from ._numeric import MissingValueIndicator, NumericTransformer
from ._selection import FeatureSelector
from ._text import TextFeatures
from ._tokens import TokenFeatures

__all__ = [
    "KINDS",
    "AutoFeaturizer",
    "CategoricalEncoder",
    "CategoryNormalizer",
    "DatetimeFeatures",
    "FeatureSelector",
    "MissingValueIndicator",
    "NumericTransformer",
    "TextFeatures",
    "TokenFeatures",
    "infer_column_kinds",
]
