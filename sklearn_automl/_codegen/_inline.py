"""Write the sklearn_automl code that an exported model needs into the export.

Starting from the classes and functions the model refers to, the inliner
takes, from the source of their modules, the top-level statements that
define them and, transitively, every top-level name those statements use:
helpers of the same module, names imported from sibling modules (whose
import is dropped, since the sibling's code lands in the same file) and
third-party imports (hoisted to the import block). Nothing else of the
library is copied, so the export stays small and sklearn_automl-free.

A library import of names inside a function (deferred so that a heavy
dependency loads only when that function runs) is followed the same way:
the names' code is inlined and the import statement left out of the
function, whose body then reads them from the export's top level.

What cannot be inlined is refused with the module and line: importing a
sklearn_automl module object (``from . import _x``, ``import
sklearn_automl.x``), ``import *`` from the library, and, inside a block, a
library import of a module or under another name.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import sys
import types

from ._render import is_ours

__all__ = ["Inliner"]


class _ModuleSource:
    """One library module, parsed: its top-level statements and imports."""

    def __init__(self, name):
        module = sys.modules.get(name) or importlib.import_module(name)
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError) as exc:
            raise ValueError(
                f"export_code: cannot read the source of {name} to inline it ({exc})."
            ) from exc
        self.name = name
        self.lines = source.splitlines()
        self.package = name if hasattr(module, "__path__") else name.rpartition(".")[0]
        self.external = {}  # bound name -> import statement tuple
        self.internal = {}  # bound name -> (library module, name there)
        self.future = set()
        self.statements = []  # (node, bound names, used names)
        self.binders = {}  # name -> indices into statements
        self.dropped = {}  # statement index -> {line number: replacement or None}
        for node in ast.parse(source).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node)
                continue
            index = len(self.statements)
            self.statements.append((node, _bound_names(node), _used_names(node)))
            for bound in self.statements[-1][1]:
                self.binders.setdefault(bound, []).append(index)

    def _refuse(self, node, why):
        raise ValueError(
            f"export_code: cannot inline {self.name}: line {node.lineno} {why}. "
            "Library modules whose code export_code writes out may import numpy, "
            "scipy, pandas, scikit-learn, torch, skorch, lightgbm, the standard "
            "library, and names (not modules) from sibling modules at their top."
        )

    def resolve(self, node):
        """The absolute module an import statement reads from."""
        if isinstance(node, ast.Import):
            return None
        if node.level:
            return importlib.util.resolve_name(
                "." * node.level + (node.module or ""), self.package
            )
        return node.module

    def _import(self, node):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_ours(alias.name):
                    self._refuse(node, f"imports the module {alias.name!r}")
                bound = alias.asname or alias.name.split(".")[0]
                self.external[bound] = ("import", alias.name, alias.asname)
            return
        target = self.resolve(node)
        if target == "__future__":
            self.future.update(alias.name for alias in node.names)
            return
        for alias in node.names:
            if alias.name == "*":
                if is_ours(target):
                    self._refuse(node, f"uses 'from {target} import *'")
                self._refuse(node, "uses 'import *'")
            bound = alias.asname or alias.name
            if not is_ours(target):
                self.external[bound] = ("from", target, alias.name, alias.asname)
                continue
            package = sys.modules.get(target) or importlib.import_module(target)
            if isinstance(getattr(package, alias.name, None), types.ModuleType):
                self._refuse(node, f"imports the module {target}.{alias.name}")
            self.internal[bound] = (target, alias.name)

    def nested_imports(self, index):
        """``(module, name)`` of the library imports below the top level.

        Those import statements are marked to be left out of the statement's
        text (:meth:`text`); a block they were all of becomes ``pass``.
        Library imports of modules, or under another name, are refused.
        """
        node = self.statements[index][0]
        found, dropped = [], {}
        for parent in ast.walk(node):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(parent, field, None)
                if not isinstance(block, list):
                    continue
                ours = [inner for inner in block if self._nested(inner, found)]
                for inner in ours:
                    for line in range(inner.lineno, inner.end_lineno + 1):
                        dropped[line] = None
                if ours and len(ours) == len(block):
                    indent = " " * ours[0].col_offset
                    dropped[ours[0].lineno] = f"{indent}pass"
        if dropped:
            self.dropped[index] = dropped
        return found

    def _nested(self, inner, found):
        """Whether ``inner`` is a library import to drop; its names to ``found``."""
        if isinstance(inner, ast.Import):
            if any(is_ours(a.name) for a in inner.names):
                self._refuse(inner, "imports a sklearn_automl module inside a block")
            return False
        if not isinstance(inner, ast.ImportFrom):
            return False
        target = self.resolve(inner) or ""
        if not is_ours(target):
            return False
        package = sys.modules.get(target) or importlib.import_module(target)
        for alias in inner.names:
            if alias.name == "*" or isinstance(getattr(package, alias.name, None),
                                               types.ModuleType):
                self._refuse(inner, f"imports the module {target}.{alias.name} inside "
                             "a block")
            if alias.asname and alias.asname != alias.name:
                self._refuse(inner, f"imports {alias.name} as {alias.asname} inside a "
                             "block")
            found.append((target, alias.name))
        return True

    def text(self, index):
        """Source of a statement with its decorators and the comments above it."""
        node = self.statements[index][0]
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        start -= 1
        while start > 0 and self.lines[start - 1].lstrip().startswith("#"):
            start -= 1
        dropped = self.dropped.get(index, {})
        lines = []
        for number in range(start + 1, node.end_lineno + 1):
            if number not in dropped:
                lines.append(self.lines[number - 1])
            elif dropped[number] is not None:
                lines.append(dropped[number])
        return "\n".join(lines)


class Inliner:
    """Collect the library code that some top-level names need.

    Examples
    --------
    ``Inliner().need("sklearn_automl.features._encoders", "CategoryNormalizer")``
    then :meth:`chunks` gives the code per module (dependencies first),
    :meth:`imports` the third-party imports it needs and :meth:`bindings`
    the names it defines.
    """

    def __init__(self):
        self._sources = {}
        self._included = {}  # module -> set of statement indices
        self._externals = {}  # module -> set of bound names of needed imports
        self._aliases = {}  # module -> {alias: original name}
        self._uses = {}  # module -> library modules its included code uses
        self._seen = set()

    def _source(self, module):
        if module not in self._sources:
            self._sources[module] = _ModuleSource(module)
            self._uses.setdefault(module, [])
        return self._sources[module]

    def need(self, module, name, *, required=True):
        """Include what defines ``name`` at the top level of ``module``.

        With ``required=False`` an unknown name (a builtin, a local variable
        of a function) is ignored instead of raising.
        """
        src = self._source(module)
        if (module, name) in self._seen:
            return
        self._seen.add((module, name))
        if name in src.binders:
            included = self._included.setdefault(module, set())
            for index in src.binders[name]:
                if index not in included:
                    included.add(index)
                    used = src.statements[index][2]
                    for target, original in src.nested_imports(index):
                        self.need(target, original)
                        if target not in self._uses[module]:
                            self._uses[module].append(target)
                    for other in sorted(used):
                        self.need(module, other, required=False)
        elif name in src.external:
            self._externals.setdefault(module, set()).add(name)
        elif name in src.internal:
            target, original = src.internal[name]
            self.need(target, original)
            if target not in self._uses[module]:
                self._uses[module].append(target)
            if name != original:
                self._aliases.setdefault(module, {})[name] = original
        elif required:
            raise ValueError(
                f"export_code: {module} does not define {name!r} at its top level, "
                "so it cannot be inlined."
            )

    def modules(self):
        """Modules contributing code, each after the modules it uses."""
        order, visiting = [], set()

        def visit(module):  # depth first, post-order; a cycle is cut
            if module in order or module in visiting:
                return
            visiting.add(module)
            for used in self._uses[module]:
                visit(used)
            order.append(module)

        for module in self._sources:
            visit(module)
        return [m for m in order if self._included.get(m) or self._aliases.get(m)]

    def future(self):
        """``__future__`` features of the modules that contribute code."""
        return sorted({f for m in self.modules() for f in self._sources[m].future})

    def imports(self):
        """``(module, import statement)`` pairs the inlined code needs."""
        return [
            (m, self._sources[m].external[bound])
            for m in self._sources
            for bound in sorted(self._externals.get(m, ()))
        ]

    def _kept(self, module):
        """Indices of the statements of ``module`` to write, in source order.

        A statement identical to one of a module written before (the same
        ``logger = logging.getLogger(...)`` in two modules) is written once.
        """
        seen = set()
        for m in self.modules():
            src = self._sources[m]
            for index in sorted(self._included.get(m, ())):
                key = ast.dump(src.statements[index][0])
                if m == module and key not in seen:
                    yield index
                seen.add(key)
            if m == module:
                return

    def bindings(self):
        """``(module, name)`` for each name the inlined code defines."""
        out = []
        for m in self.modules():
            src = self._sources[m]
            for index in self._kept(m):
                out += [(m, bound) for bound in src.statements[index][1]]
            out += [(m, alias) for alias in self._aliases.get(m, {})]
        return out

    def chunks(self):
        """``(module, code)`` for each module, in an order that runs."""
        out = []
        for m in self.modules():
            src = self._sources[m]
            pieces = [
                (f"{alias} = {original}", False)
                for alias, original in sorted(self._aliases.get(m, {}).items())
            ]
            for index in self._kept(m):
                text = src.text(index)
                pieces.append((text, "\n" in text.strip()))
            code = ""
            for i, (text, block) in enumerate(pieces):
                if i:
                    code += "\n\n\n" if block or pieces[i - 1][1] else "\n"
                code += text
            if code:
                out.append((m, code))
        return out


def _bound_names(stmt):
    """Names a top-level statement binds (not looking into def/class bodies)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [stmt.name]
    names = []
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.alias):
            names.append((node.asname or node.name).split(".")[0])
        stack.extend(ast.iter_child_nodes(node))
    return list(dict.fromkeys(names))


def _used_names(stmt):
    """Every name a statement reads, function bodies included (a superset)."""
    return {
        node.id for node in ast.walk(stmt)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
