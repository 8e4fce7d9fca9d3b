"""What a stored model refers to: helpers of the persistence tests."""

import pickletools

from sklearn_automl import trusted_types


def untrusted(path):
    """Types of the skops file at ``path`` that ``trusted_types()`` does not cover."""
    import skops.io as sio

    return [t for t in sio.get_untrusted_types(file=path) if t not in trusted_types()]


def pickle_globals(blob):
    """The ``module.name`` of every class or function a pickle refers to."""
    names, strings = [], []
    for op, arg, _ in pickletools.genops(blob):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            names.append(".".join(strings[-2:]))
        elif op.name == "GLOBAL":
            names.append(arg.replace(" ", "."))
    return names
