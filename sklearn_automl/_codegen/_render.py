"""Values as Python source: the walk over an estimator's parameters.

An object with ``get_params`` is written as ``Class(param=value, ...)`` (only
the parameters that differ from the constructor's defaults, and always
``random_state``) and its parameter values recursively. Classes and
functions become references, named once the imports are known.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import keyword
import math

import numpy as np

#: target line width of the generated code
WIDTH = 88
#: libraries whose helper objects keep constructor arguments as attributes
_ATTRIBUTE_CONVENTION = ("sklearn", "skorch", "lightgbm")
#: longest nesting of parameter values followed before giving up
_MAX_DEPTH = 64


class _Ref:
    """A class or function that the generated code names (resolved late)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def flat(self, names):
        if names is None:
            return f"<{qualified(self.obj)}>"
        return names[id(self.obj)]


class _Atom:
    """Literal source text (numbers, ``repr`` of strings, keywords)."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def flat(self, names):
        return self.text


class _Group:
    """``head(items)``, ``[items]``, ``(items)`` or ``{items}``.

    Each item is a list of parts (text or nodes) written next to each other:
    ``["key=", node]``, ``[key_node, ": ", value_node]`` or ``[node]``.
    """

    __slots__ = ("close", "head", "items", "open", "tuple_like")

    def __init__(self, head, open_, close, items, *, tuple_like=False):
        self.head = head
        self.open = open_
        self.close = close
        self.items = items
        self.tuple_like = tuple_like

    def flat(self, names):
        inner = ", ".join(_flat_parts(item, names) for item in self.items)
        if self.tuple_like and len(self.items) == 1:
            inner += ","
        return f"{self.head_text(names)}{self.open}{inner}{self.close}"

    def head_text(self, names):
        return "" if self.head is None else self.head.flat(names)


def _flat_parts(parts, names):
    return "".join(p if isinstance(p, str) else p.flat(names) for p in parts)


def format_node(node, names, indent, start, suffix):
    """Source of ``node`` starting at column ``start`` on a line indented ``indent``.

    A group too wide for one line gets one item per line with a trailing
    comma (atom-only groups, such as lists of labels, are packed).
    """
    text = node.flat(names)
    if (
        not isinstance(node, _Group)
        or not node.items
        or start + len(text) + suffix <= WIDTH
    ):
        return text
    pad = " " * (indent + 4)
    lines = [node.head_text(names) + node.open]
    if all(len(item) == 1 and isinstance(item[0], _Atom) for item in node.items):
        line = ""
        for item in node.items:
            piece = item[0].text + ","
            if line and len(pad) + len(line) + 1 + len(piece) > WIDTH:
                lines.append(pad + line)
                line = piece
            else:
                line = f"{line} {piece}" if line else piece
        lines.append(pad + line)
    else:
        for item in node.items:
            prefix = _flat_parts(item[:-1], names)
            last = item[-1]
            if isinstance(last, str):
                body = last
            else:
                body = format_node(last, names, indent + 4, len(pad) + len(prefix), 1)
            lines.append(f"{pad}{prefix}{body},")
    lines.append(" " * indent + node.close)
    return "\n".join(lines)


# ------------------------------------------------------------------ renderer
class Renderer:
    """Turn a value (an estimator and everything inside it) into nodes."""

    def __init__(self):
        self.refs = {}

    def ref(self, obj, where):
        public_location(obj, where)  # fail early, naming the parameter
        self.refs[id(obj)] = obj
        return _Ref(obj)

    def render(self, value, where, depth=0):
        if depth > _MAX_DEPTH:
            raise TypeError(
                f"export_code: {where} nests deeper than {_MAX_DEPTH} levels "
                "(a value that contains itself?)."
            )
        depth += 1
        if value is None or isinstance(value, bool):
            return _Atom(repr(value))
        if isinstance(value, np.generic):
            return self._numpy_scalar(value, where, depth)
        if isinstance(value, int):
            return _Atom(repr(int(value)))
        if isinstance(value, float):
            return _Atom(_float_source(float(value)))
        if isinstance(value, complex):
            return _Atom(
                f"complex({_float_source(value.real)}, {_float_source(value.imag)})"
            )
        if isinstance(value, str):
            return _Atom(repr(str(value)))
        if isinstance(value, bytes):
            return _Atom(repr(bytes(value)))
        if isinstance(value, np.ndarray):
            return self._array(value, where, depth)
        if isinstance(value, np.dtype):
            return self._dtype(value, where)
        if type(value) in (list, tuple):
            items = [
                [self.render(v, f"{where}[{i}]", depth)] for i, v in enumerate(value)
            ]
            if isinstance(value, list):
                return _Group(None, "[", "]", items)
            return _Group(None, "(", ")", items, tuple_like=True)
        if type(value) is dict:
            items = [
                [
                    self.render(k, f"{where} key", depth),
                    ": ",
                    self.render(v, f"{where}[{k!r}]", depth),
                ]
                for k, v in value.items()
            ]
            return _Group(None, "{", "}", items)
        if type(value) in (set, frozenset):
            items = [[self.render(v, f"{where} item", depth)] for v in value]
            items.sort(key=lambda item: item[0].flat(None))
            if not items:
                return _Atom(f"{type(value).__name__}()")
            node = _Group(None, "{", "}", items)
            if isinstance(value, frozenset):
                return _Group(self.ref(frozenset, where), "(", ")", [[node]])
            return node
        if isinstance(value, functools.partial):
            items = [[self.render(value.func, f"{where}.func", depth)]]
            items += [
                [self.render(a, f"{where}.args[{i}]", depth)]
                for i, a in enumerate(value.args)
            ]
            items += self._keywords(value.keywords, where, depth)
            return _Group(self.ref(functools.partial, where), "(", ")", items)
        if isinstance(value, type) or _is_function(value):
            return self.ref(value, where)
        if isinstance(value, (np.random.RandomState, np.random.Generator)):
            raise TypeError(
                f"export_code: {where} is a {type(value).__name__} instance, whose "
                "state changes as it is used, so the exported code could not "
                "rebuild it; give the estimator an int random_state."
            )
        params = _constructor_params(value)
        if params is None:
            raise TypeError(
                f"export_code: {where} = {_short_repr(value)} (type "
                f"{type(value).__module__}.{type(value).__qualname__}) has no "
                "source form: export supports estimators (get_params), numbers, "
                "strings, None, lists, tuples, dicts, numpy arrays and scalars, "
                "classes and module-level functions."
            )
        return self._instance(value, params, where, depth)

    def _instance(self, value, params, where, depth):
        defaults = _signature_defaults(type(value))
        kept = {}
        for name, param in params.items():
            if (
                name == "random_state"
                or name not in defaults
                or not self._is_default(param, defaults[name])
            ):
                kept[name] = param
        return _Group(
            self.ref(type(value), where), "(", ")", self._keywords(kept, where, depth)
        )

    def _keywords(self, params, where, depth):
        items, odd = [], {}
        for name, param in params.items():
            node = self.render(param, f"{where}.{name}", depth)
            if isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(
                name
            ):
                items.append([f"{name}=", node])
            else:
                odd[name] = node
        if odd:
            # Keyword names that are not identifiers (free-form **kwargs).
            pairs = [[self.render(k, f"{where} key", depth), ": ", v]
                     for k, v in odd.items()]
            items.append(["**", _Group(None, "{", "}", pairs)])
        return items

    def _is_default(self, value, default):
        if value is default:
            return True
        try:
            scratch = Renderer()
            return scratch.render(value, "", 0).flat(None) == scratch.render(
                default, "", 0
            ).flat(None)
        except (TypeError, ValueError):
            return False

    def _numpy_scalar(self, value, where, depth):
        cls = type(value)
        if isinstance(value, np.bool_):
            return _Group(self.ref(cls, where), "(", ")", [[_Atom(repr(bool(value)))]])
        if (
            getattr(np, cls.__name__, None) is not cls
            or not isinstance(value, (np.number, np.str_, np.bytes_))
            or isinstance(value.item(), np.generic)  # longdouble: no Python twin
        ):
            raise TypeError(
                f"export_code: {where} = {_short_repr(value)}: numpy scalars of "
                f"type {cls.__name__} have no source form."
            )
        return _Group(
            self.ref(cls, where), "(", ")", [[self.render(value.item(), where, depth)]]
        )

    def _dtype(self, dtype, where):
        if dtype.fields is not None or dtype.subdtype is not None:
            raise TypeError(f"export_code: {where}: structured dtype {dtype} not supported.")
        if dtype == np.dtype(object):
            return self.ref(object, where)
        return _Group(self.ref(np.dtype, where), "(", ")", [[_Atom(repr(dtype.str))]])

    def _array(self, array, where, depth):
        if array.dtype.fields is not None or array.dtype.hasobject and any(
            isinstance(v, np.ndarray) for v in array.flat
        ):
            raise TypeError(
                f"export_code: {where}: arrays of records or of arrays are not "
                "supported."
            )
        return _Group(
            self.ref(np.array, where),
            "(",
            ")",
            [
                [self.render(array.tolist(), where, depth)],
                ["dtype=", self._dtype(array.dtype, where)],
            ],
        )


def _float_source(x):
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else 'float("-inf")'
    return repr(x)


def _short_repr(value, limit=80):
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - only for an error message
        text = object.__repr__(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_function(value):
    """Functions, builtins, ufuncs and wrapped callables (numpy's dispatchers)."""
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return True
    if isinstance(value, np.ufunc):
        return True
    return (
        callable(value)
        and not hasattr(value, "get_params")
        and isinstance(getattr(value, "__qualname__", None), str)
        and isinstance(getattr(value, "__module__", None), str)
    )


def _constructor_params(value):
    """Constructor arguments of ``value``, or None when it has no such form."""
    get_params = getattr(value, "get_params", None)
    if callable(get_params) and not isinstance(value, type):
        return dict(get_params(deep=False))
    # scikit-learn's splitters and similar helpers (skorch's ValidSplit) store
    # each constructor argument as an attribute of the same name, the
    # convention their repr relies on; other libraries are not trusted to.
    if type(value).__module__.split(".")[0] not in _ATTRIBUTE_CONVENTION:
        return None
    try:
        sig = inspect.signature(type(value).__init__)
    except (TypeError, ValueError):
        return None
    params = {}
    for name, p in list(sig.parameters.items())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or not hasattr(value, name):
            return None
        params[name] = getattr(value, name)
    return params


def _signature_defaults(cls):
    try:
        sig = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return {}
    return {
        name: p.default
        for name, p in sig.parameters.items()
        if p.default is not p.empty and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }


# ------------------------------------------------------------ locations
def is_ours(module):
    return module == "sklearn_automl" or module.startswith("sklearn_automl.")


def qualified(obj):
    """``(module, qualname)`` as the object says."""
    module = getattr(obj, "__module__", None)
    if module is None and isinstance(obj, np.ufunc):
        module = "numpy"
    return module, getattr(obj, "__qualname__", getattr(obj, "__name__", None))


@functools.cache
def _import_attr(module, qualname):
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def public_location(obj, where):
    """The shortest public ``(module, qualname)`` the object is importable from."""
    module, qualname = qualified(obj)
    problem = None
    if module is None or qualname is None:
        problem = "it has no module or name"
    elif "<" in qualname:
        problem = "it is a lambda or is defined inside a function"
    elif module == "__main__":
        problem = (
            "it is defined in __main__ (a script or notebook), which the exported "
            "file cannot import; move it into an importable module"
        )
    if problem is None and (module == "builtins" or is_ours(module)):
        return module, qualname
    if problem is None:
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if i < len(parts) and any(p.startswith("_") for p in parts[:i]):
                continue
            if _import_attr(candidate, qualname) is obj:
                return candidate, qualname
        problem = f"{module}.{qualname} cannot be imported by that name"
    raise TypeError(f"export_code: {where} refers to {obj!r}, but {problem}.")


