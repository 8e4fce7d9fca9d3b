"""Plan a search: the families that apply, their joint space, the pipelines.

A configuration is a flat dict::

    {"family": name,
     "<name>__<param>": value,            # a model parameter
     "<name>__features__<param>": value}  # an AutoFeaturizer parameter

Featurizer knobs belong to the family that uses them, so each family has
its own choices and defaults (trees: ordinal codes for native categorical
handling, no scaling, NaN kept; linear models and kNN: one-hot or target
encoding, imputation with indicators, scaling), and they exist only when
the data has what they act on (no text knob for a table without text).
Custom families (the user's ``(name, estimator, space)``) are searched over
exactly the space given: their featurizer is the fixed one-hot, imputed and
standardized one.
:meth:`Plan.build` turns a configuration into an unfitted ``Pipeline`` of
plain scikit-learn steps ``[("features", AutoFeaturizer), ("model", estimator)]``
and :meth:`Plan.model_params` into that pipeline's ``set_params`` arguments.
"""

from __future__ import annotations

import logging
import math
import numbers

from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags

from .features import AutoFeaturizer, infer_column_kinds
from .features._columns import DROPPED_KINDS
from .space import Categorical, SearchSpace
from .space._components import Component, as_component
from .space._default import CORE_FAMILIES, core_components

__all__ = [
    "FAMILIES", "ImagePlan", "Plan", "catboost_available", "default_components",
    "make_image_plan", "make_plan", "nas_available",
]

logger = logging.getLogger("sklearn_automl")

_KNN = CORE_FAMILIES.index("knn")
#: built-in family names, cheapest first (the order of the first trials)
FAMILIES = (*CORE_FAMILIES[:_KNN], "catboost", *CORE_FAMILIES[_KNN:], "mlp_net")
#: families that need an optional extra, and the extra
OPTIONAL = {"mlp_net": "nas", "catboost": "boost"}
#: built-in families searched only when named in ``estimators``: CatBoost
#: costs 7-8x LightGBM's time per trial at equal score on a first 6k-row
#: check; whether it joins the default list is decision 3 of the wide
#: evaluation (benchmarks/results/wide_eval_plan.md), not yet run
OPT_IN = frozenset({"catboost"})
#: the families whose absence was logged in this process
_NOTICE = set()


def _left_out(family, what, exc):
    """Log once per process that ``family`` is left out for want of its extra."""
    if family in _NOTICE:
        return
    _NOTICE.add(family)
    logger.info(
        "The %s family (%s) is left out of the search: %s. Install it with: "
        'pip install "sklearn_automl[%s]".', what, family, exc, OPTIONAL[family],
    )

#: usable input columns from which feature selection becomes a search knob
MIN_COLUMNS_FOR_SELECTION = 10
#: the featurizer parameters a configuration may set (in this order)
FEATURE_KNOBS = (
    "encoder", "high_cardinality_encoder", "scaler", "text_width", "selector", "k",
)
_SCALERS = ["standard", "robust", "quantile", "power"]
_SELECTORS = [None, "mutual_info", "l1", "tree"]


def _missing(*modules):
    """The ImportError of the first of ``modules`` that cannot be found, else None.

    Finds the modules without importing them (``importlib.util.find_spec``):
    importing torch takes seconds (17-25 s on the loaded 2-core machine,
    ``benchmarks/results/plan_time.md``), which the plan phase of every
    ``fit`` would pay for a family whose trials run in worker processes
    that import it themselves.
    """
    import importlib.util
    import sys

    for name in modules:
        if name in sys.modules:
            if sys.modules[name] is None:  # blocked: ``import name`` fails
                return ModuleNotFoundError(f"import of {name} halted; None in sys.modules")
            continue
        try:
            if importlib.util.find_spec(name) is None:
                return ModuleNotFoundError(f"No module named {name!r}")
        except (ImportError, ValueError) as exc:
            return exc
    return None


def nas_available():
    """Whether torch and skorch are installed (the ``nas`` extra).

    Looks for them without importing them (see :func:`_missing`); an
    installation that is found but fails to import makes the ``mlp_net``
    trials fail instead, each with the ImportError. When they are missing,
    logs once per process that the ``mlp_net`` family is left out of the
    search.
    """
    exc = _missing("skorch", "torch")
    if exc is not None:
        _left_out("mlp_net", "neural-network", exc)
        return False
    return True


def catboost_available():
    """Whether catboost imports (the ``boost`` extra); imports it.

    When it does not, logs once per process that the ``catboost`` family is
    left out of the search.
    """
    try:
        import catboost  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: its shared library
        _left_out("catboost", "CatBoost", exc)
        return False
    return True


def default_components(task):
    """The built-in model families for ``task``, keyed by name, in ``FAMILIES`` order.

    The core families of :mod:`sklearn_automl.space`, ``catboost`` when the
    ``boost`` extra is installed, and ``mlp_net`` from
    :mod:`sklearn_automl.nas` when the ``nas`` extra is. This is where the
    two packages meet: ``nas`` builds on ``space``, and ``space`` never
    imports ``nas``.

    Parameters
    ----------
    task : {"classification", "regression"}

    Returns
    -------
    components : dict of str -> Component
    """
    comps = core_components(task)
    if catboost_available():
        from .space._catboost import catboost_component

        comps["catboost"] = catboost_component(task)
    if nas_available():
        # imported here: torch loads only when a search may use it
        from .nas._component import mlp_net_component

        comps["mlp_net"] = mlp_net_component(task)
    order = {name: i for i, name in enumerate(FAMILIES)}
    return dict(sorted(comps.items(), key=lambda item: order.get(item[0], len(order))))


class Plan:
    """What one ``fit`` searches: components, their space and the data's columns.

    Parameters
    ----------
    task : {"classification", "regression"}
    components : dict of str -> Component
        In proposal order.
    kinds : dict
        Column -> kind (see :func:`~sklearn_automl.features.infer_column_kinds`).

    Attributes
    ----------
    space : SearchSpace
        ``"family"``, then per family its model parameters and featurizer
        knobs, each conditioned on the family (``k`` on the selector).
    counts : dict
        Number of columns of each kind.
    """

    def __init__(self, task, components, kinds):
        builtin = default_components(task)
        self._builtin = {
            name for name, comp in components.items()
            if name in builtin and type(comp.estimator) is type(builtin[name].estimator)
        }
        self.task = task
        self.components = components
        self.kinds = kinds
        self.counts = {kind: 0 for kind in ("numeric", "boolean", "categorical",
                                              "high_cardinality", "datetime", "text")}
        for kind in kinds.values():
            if kind in self.counts:
                self.counts[kind] += 1
        params = {"family": Categorical(list(components))}
        conditions = {}
        self._feature_keys = {}
        for name, comp in components.items():
            for pname, dist in comp.space.items():
                key = f"{name}__{pname}"
                params[key] = dist
                conditions[key] = ("family", [name])
            for knob, dist in self.feature_space(comp).items():
                key = f"{name}__features__{knob}"
                if key in params:
                    raise ValueError(
                        f"Component {name!r}: its space parameter "
                        f"'features__{knob}' clashes with the featurizer knob of that "
                        "name; rename it."
                    )
                params[key] = dist
                conditions[key] = (
                    (f"{name}__features__selector", _SELECTORS[1:]) if knob == "k"
                    else ("family", [name])
                )
                self._feature_keys[key] = knob
        self.space = SearchSpace(params, conditions)

    def feature_space(self, component):
        """The featurizer knobs searched for ``component`` on this data.

        Parameters
        ----------
        component : Component

        Returns
        -------
        space : dict of str -> Categorical
            Knob -> choices, the family's default first (empty for custom
            families).
        """
        if component.name not in self._builtin:
            return {}
        counts = self.counts
        tree = component.encoding == "ordinal"
        space = {}
        if counts["categorical"]:
            if not tree:
                choices = ["onehot", "target"]
            elif component.categorical_param and component.scale:
                # a network with embeddings of ordinal codes (mlp_net)
                choices = ["ordinal", "onehot", "target"]
            elif component.categorical_param:
                choices = ["ordinal", "target"]  # native categorical splits
            else:
                choices = ["ordinal", "onehot", "target"]
            space["encoder"] = Categorical(choices)
        if counts["high_cardinality"]:
            space["high_cardinality_encoder"] = Categorical(
                ["target", "ordinal"] if tree else ["target", "onehot"]
            )
        if component.scale and (counts["numeric"] or counts["datetime"]):
            space["scaler"] = Categorical(_SCALERS)
        if counts["text"]:
            space["text_width"] = Categorical([64, 16, 256])
        if not tree and sum(counts.values()) >= MIN_COLUMNS_FOR_SELECTION:
            space["selector"] = Categorical(_SELECTORS)
            space["k"] = Categorical(["auto", 0.25, 0.5, 0.75])
        return space

    def featurizer_params(self, component):
        """The family's fixed ``AutoFeaturizer`` parameters (before any knob).

        Trees get ordinal codes and keep NaN when the model handles it (its
        ``allow_nan`` tag); the rest gets one-hot encoding, median
        imputation with informative-missingness indicators, scaling and
        cyclic date encodings.
        """
        tree = component.encoding == "ordinal"
        try:
            handles_nan = get_tags(component.estimator).input_tags.allow_nan
        except (AttributeError, TypeError):  # an estimator with odd tags
            handles_nan = False
        return {
            "encoder": "ordinal" if tree else "onehot",
            "high_cardinality_encoder": "target",
            "imputer": None if tree and handles_nan else "median",
            "scaler": "standard" if component.scale else None,
            "datetime_cyclic": not tree,
            "target_type": "continuous" if self.task == "regression" else "auto",
            "dtype": component.dtype,
        }

    def default_configs(self):
        """Each family's default configuration, in proposal order."""
        return [self.space.default({"family": name}) for name in self.components]

    def model_params(self, config):
        """``config`` as ``set_params`` arguments of the pipeline.

        Model parameters become ``"model__<param>"`` and featurizer knobs
        ``"features__<param>"``. For models with native categorical support
        the positions of the ordinal-coded columns, which follow from the
        encoders chosen, are included too (``None`` when there are none), so
        that ``clone(pipeline).set_params(**plan.model_params(config))``
        rebuilds the pipeline of :meth:`build` from the pipeline of any
        configuration of the same family.
        """
        comp = self.components[config["family"]]
        prefix = f"{comp.name}__"
        out, features = {}, self.featurizer_params(comp)
        for key, value in config.items():
            if not key.startswith(prefix):
                continue
            if key in self._feature_keys:
                out[f"features__{self._feature_keys[key]}"] = value
                features[self._feature_keys[key]] = value
            else:
                out[f"model__{key[len(prefix):]}"] = value
        if comp.categorical_param is not None:
            n_ordinal = self.n_ordinal(features)
            # AutoFeaturizer puts the ordinal-coded columns first.
            out[f"model__{comp.categorical_param}"] = (
                list(range(n_ordinal)) if n_ordinal else None
            )
        return out

    def fidelity_split(self, config, fidelity):
        """``(row_fraction, iteration_fraction)`` of a trial at ``fidelity``.

        Families with an iteration parameter (trees, boosting rounds,
        epochs) get ``sqrt(fidelity)`` of the rows and of the iterations,
        the others ``fidelity`` of the rows, so that a trial's cost scales
        roughly linearly with the fidelity for every family. Families that
        stop early (``Component.early_stopping``) get ``fidelity`` of the
        rows and their full cap: their iteration count is found by the fit,
        and a lowered cap would only cut short the slow learning rates.
        """
        fidelity = float(fidelity)
        if fidelity >= 1:
            return 1.0, 1.0
        comp = self.components[config["family"]]
        if comp.fidelity_param is None or getattr(comp, "early_stopping", None):
            return fidelity, 1.0
        root = math.sqrt(fidelity)
        return root, root

    @staticmethod
    def n_folds_at(fidelity, n_folds):
        """Folds a trial at ``fidelity`` is validated on: ``ceil(n_folds * f)``.

        Below full fidelity the per-fold overhead (featurizing, predicting the
        validation rows) does not shrink with the training rows, so fewer
        folds is what makes a low-fidelity trial cheap on small data; every
        trial at one fidelity uses the same folds, so their scores compare.
        """
        if fidelity >= 1:
            return n_folds
        return max(1, min(n_folds, math.ceil(n_folds * fidelity - 1e-9)))

    def build(self, config, *, random_state=None, n_jobs=None, iteration_fraction=1.0):
        """An unfitted pipeline for ``config``.

        ``iteration_fraction < 1`` scales the family's ``fidelity_param``
        (number of trees, boosting rounds, epochs) down, keeping at least 1.
        """
        comp = self.components[config["family"]]
        model_params, features = {}, self.featurizer_params(comp)
        for name, value in self.model_params(config).items():
            step, param = name.split("__", 1)
            (features if step == "features" else model_params)[param] = value
        model = comp.build(model_params, random_state=random_state, n_jobs=n_jobs)
        if iteration_fraction < 1 and comp.fidelity_param is not None:
            full = model.get_params()[comp.fidelity_param]
            if isinstance(full, numbers.Integral):
                model.set_params(**{
                    comp.fidelity_param: max(1, round(full * iteration_fraction))
                })
        featurizer = AutoFeaturizer(kinds=self.kinds, random_state=random_state, **features)
        return Pipeline([("features", featurizer), ("model", model)])

    def n_ordinal(self, features):
        """How many ordinal-coded categorical columns ``features`` produce."""
        n = 0
        if features.get("encoder") == "ordinal":
            n += self.counts["categorical"]
        if features.get("high_cardinality_encoder") == "ordinal":
            n += self.counts["high_cardinality"]
        return n


def resolve_components(estimators, task, n_rows):
    """Components for the ``estimators`` parameter (names and custom tuples)."""
    builtin = default_components(task)
    if estimators is None:
        builtin = {k: c for k, c in builtin.items() if k not in OPT_IN}
        chosen = [c for c in builtin.values() if c.supports(task, n_rows)]
        skipped = [c.name for c in builtin.values() if not c.supports(task, n_rows)]
        if skipped:
            logger.info("Families left out for %d training rows: %s", n_rows, skipped)
        return {c.name: c for c in chosen}
    if isinstance(estimators, (str, tuple, Component)):
        estimators = [estimators]
    out = {}
    for entry in estimators:
        if isinstance(entry, str):
            if entry in OPTIONAL and entry not in builtin:
                raise ImportError(
                    f"estimators: the {entry!r} family needs the "
                    f"{OPTIONAL[entry]!r} extra: pip install "
                    f'"sklearn_automl[{OPTIONAL[entry]}]".'
                )
            if entry not in builtin:
                raise ValueError(
                    f"estimators: unknown family {entry!r}; built-in families are "
                    f"{list(FAMILIES)}, or pass (name, estimator, space) tuples."
                )
            comp = builtin[entry]
        else:
            comp = as_component(entry, task)
            if task not in comp.tasks:
                raise ValueError(
                    f"estimators: component {comp.name!r} does not support {task}."
                )
        if comp.name in out:
            raise ValueError(f"estimators: the name {comp.name!r} appears twice.")
        out[comp.name] = comp
    if not out:
        raise ValueError("estimators must name at least one model family.")
    return out


def make_plan(X, task, estimators, *, kinds=None):
    """Detect column kinds and choose the families for this data.

    Parameters
    ----------
    X : DataFrame or ndarray
        The training data.
    task : {"classification", "regression"}
    estimators : list, str or None
        The ``estimators`` parameter of the AutoML estimator.
    kinds : dict, optional
        The user's column kinds (some or all columns), kept as given.

    Returns
    -------
    plan : Plan
    """
    user_kinds = kinds
    kinds, reasons = infer_column_kinds(X, kinds=kinds, return_reasons=True)
    left_out = {c: f"{k} ({reasons[c]})" for c, k in kinds.items() if k in DROPPED_KINDS}
    if len(left_out) == len(kinds):
        constant = [c for c, k in kinds.items() if k == "constant"
                    and c not in (user_kinds or {})]
        if not constant:
            raise ValueError(
                f"X has no usable column: {left_out}. Give columns a kind "
                "explicitly if the detection is wrong."
            )
        # Nothing varies (one row, say): keep the constant columns, so that a
        # model (predicting the prior) is still fitted.
        logger.warning(
            "Every column of X is constant or an identifier; the constant ones %s "
            "are kept as features.", constant,
        )
        for c in constant:
            kinds[c] = _plain_kind(X, c)
            left_out.pop(c)
    summary = {}
    for kind in kinds.values():
        summary[kind] = summary.get(kind, 0) + 1
    logger.info("Column kinds: %s", summary)
    if left_out:
        logger.info("Columns left out of the features: %s", left_out)
    components = resolve_components(estimators, task, X.shape[0])
    return Plan(task, components, kinds)


def _plain_kind(X, column):
    """Numeric or categorical, from the dtype alone."""
    import pandas as pd

    dtype = X[column].dtype if isinstance(X, pd.DataFrame) else X.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) and not isinstance(
        dtype, pd.CategoricalDtype
    )
    return "numeric" if numeric else "categorical"


class ImagePlan(Plan):
    """The plan for images: the cell-based CNN space, no featurizer.

    A configuration is ``{"family": "cnn_net", "cnn_net__<decision>": value}``
    over the decisions of :func:`~sklearn_automl.nas.cnn_space`;
    :meth:`build` gives ``Pipeline([("model", CNNNetClassifier(...))])``.

    Parameters
    ----------
    task : {"classification", "regression"}
    input_shape : tuple of int or None
        The user's ``input_shape`` (for flat X), passed to the network.
    image_shape : tuple of int
        ``(channels, height, width)`` of the images.
    """

    family = "cnn_net"

    def __init__(self, task, input_shape, image_shape):
        from .nas import CNNNetClassifier, CNNNetRegressor, cnn_space

        cls = CNNNetClassifier if task == "classification" else CNNNetRegressor
        component = Component(
            self.family, cls(input_shape=input_shape, max_epochs=20), {},
            tasks=(task,), scale=False, fidelity_param="max_epochs",
        )
        self._builtin = set()
        self.task = task
        self.components = {self.family: component}
        self.kinds = {}
        self.counts = {}
        self._feature_keys = {}
        self.image_shape = tuple(image_shape)
        arch = cnn_space(self.image_shape)
        prefix = f"{self.family}__"
        params = {"family": Categorical([self.family])}
        params.update({prefix + k: d for k, d in arch.params.items()})
        conditions = {
            prefix + k: (prefix + parent, values)
            for k, (parent, values) in arch.conditions.items()
        }
        self.space = SearchSpace(params, conditions)

    def default_configs(self):
        """The fixed baseline network (:func:`~sklearn_automl.nas.cnn_baseline`),
        then the space's default: a search starts from what a user would write."""
        from .nas._spaces import cnn_baseline

        baseline = {"family": self.family}
        baseline.update({f"{self.family}__{k}": v
                         for k, v in cnn_baseline(self.image_shape).items()})
        default = self.space.default({"family": self.family})
        baseline = self.space.validate(baseline)
        return [baseline] if baseline == default else [baseline, default]

    def model_params(self, config):
        """``config`` as ``set_params`` arguments of the pipeline (``model__*``)."""
        from .nas._spaces import config_to_params

        prefix = f"{self.family}__"
        decisions = {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}
        return {f"model__{k}": v for k, v in config_to_params(decisions).items()}

    def build(self, config, *, random_state=None, n_jobs=None, iteration_fraction=1.0):
        """An unfitted ``Pipeline([("model", network)])`` for ``config``."""
        comp = self.components[self.family]
        params = {k[len("model__"):]: v for k, v in self.model_params(config).items()}
        model = comp.build(params, random_state=random_state, n_jobs=n_jobs)
        if iteration_fraction < 1:
            full = model.get_params()["max_epochs"]
            model.set_params(max_epochs=max(1, round(full * iteration_fraction)))
        return Pipeline([("model", model)])


def make_image_plan(X, task, estimators, input_shape):
    """The plan for image input: X of 3 or 4 dimensions, or flat with ``input_shape``.

    Raises
    ------
    ValueError
        When ``estimators`` names families other than ``"cnn_net"`` (they do
        not apply to images unless X is flattened and ``input_shape`` dropped),
        or when ``input_shape`` does not fit X.
    """
    from .nas._estimators import image_batch

    if estimators is not None:
        names = [estimators] if isinstance(estimators, str) else list(estimators)
        if names != [ImagePlan.family]:
            raise ValueError(
                f"estimators={estimators!r}: on images (X with 3 or 4 dimensions, or "
                "input_shape set) only the 'cnn_net' family applies; leave "
                "estimators=None, or flatten X and drop input_shape for the tabular "
                "families."
            )
    if not nas_available():
        raise ImportError(
            "Image input is searched with the CNN family, which needs torch and "
            'skorch: pip install "sklearn_automl[nas]".'
        )
    shape = image_batch(X[:1], input_shape).shape[1:]
    return ImagePlan(task, input_shape, shape)
