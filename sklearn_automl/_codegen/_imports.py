"""The import block of the generated module, and the names it binds.

Every name the generated file binds (imports, inlined definitions, the
command line's own functions) is registered here, so that two different
things never get the same name: an imported class whose name is taken gets
an alias, and a clash between inlined library code and the template is an
error naming both.
"""

from __future__ import annotations

import re
import sys

from ._render import WIDTH, is_ours, public_location


class Imports:
    """The names the generated module binds, and the imports that bind them."""

    def __init__(self):
        self.bound = {}  # name -> (key, owner)
        self.statements = []  # ("import", module, asname) / ("from", module, name, asname)
        self.future = set()

    def _bind(self, name, key, owner):
        if name in self.bound and self.bound[name][0] != key:
            other = self.bound[name][1]
            raise ValueError(
                f"export_code: the name {name!r} is needed both by {owner} and by "
                f"{other} for different things; rename one of them."
            )
        self.bound[name] = (key, owner)

    def add_module(self, module, asname, owner):
        self.add(("import", module, asname), owner)

    def add(self, stmt, owner):
        if stmt[0] == "future":
            self.future.add(stmt[1])
            return
        if stmt[0] == "import":
            _, module, asname = stmt
            if asname is None:
                top = module.split(".")[0]
                self._bind(top, ("module", top), owner)
            else:
                self._bind(asname, ("module", module), owner)
        else:
            _, module, name, asname = stmt
            self._bind(asname or name, ("attr", module, name), owner)
        if stmt not in self.statements:
            self.statements.append(stmt)

    def define(self, name, owner):
        self._bind(name, ("def", owner), owner)

    def resolve_refs(self, objects):
        """Name each referenced class or function, adding its import."""
        names = {}
        located = []
        for obj in objects:
            module, qualname = public_location(obj, "a parameter")
            located.append((module, qualname, obj))
        for module, qualname, obj in sorted(located, key=lambda t: (t[0], t[1])):
            top, _, rest = qualname.partition(".")
            rest = f".{rest}" if rest else ""
            if module == "builtins":
                names[id(obj)] = qualname
            elif is_ours(module):
                if self.bound.get(top, ((None,),))[0] != ("def", module):
                    raise ValueError(
                        f"export_code: {module}.{qualname} is not defined at the top "
                        f"level of {module}; only top-level classes and functions "
                        "can be inlined."
                    )
                names[id(obj)] = qualname
            elif module.split(".")[0] in ("numpy", "pandas"):
                root = module.split(".")[0]
                alias = {"numpy": "np", "pandas": "pd"}[root]
                self.add(("import", root, alias), "the model")
                names[id(obj)] = alias + module[len(root):] + "." + qualname
            else:
                alias = top
                key = ("attr", module, top)
                n = 1
                while alias in self.bound and self.bound[alias][0] != key:
                    n += 1
                    alias = f"{top}_{n}"
                self.add(("from", module, top, None if alias == top else alias), "the model")
                names[id(obj)] = alias + rest
        return names

    def top_level_modules(self):
        return sorted({s[1].split(".")[0] for s in self.statements})

    def source(self):
        """The import block, ordered as isort (and ruff's ``I``) order it."""
        blocks = []
        if self.future:
            blocks.append(f"from __future__ import {', '.join(sorted(self.future))}")
        for stdlib in (True, False):
            plain, froms = [], {}
            for stmt in self.statements:
                if (stmt[1].split(".")[0] in sys.stdlib_module_names) != stdlib:
                    continue
                if stmt[0] == "import":
                    _, module, asname = stmt
                    text = f"import {module}" + (f" as {asname}" if asname else "")
                    plain.append(((_natural(module), _natural(asname or "")), text))
                else:
                    _, module, name, asname = stmt
                    # Aliased members get their own statement (combine-as-imports off).
                    froms.setdefault((module, asname and name, asname), []).append(name)
            lines = [text for _, text in sorted(plain)]
            for module, alias_of, asname in sorted(
                froms, key=lambda k: (_natural(k[0]), k[2] is not None, _member_key(
                    k[1] or ""), _natural(k[2] or ""))
            ):
                if asname is not None:
                    members = [f"{alias_of} as {asname}"]
                else:
                    members = sorted(set(froms[(module, None, None)]), key=_member_key)
                text = f"from {module} import {', '.join(members)}"
                if len(text) > WIDTH:
                    inner = "".join(f"    {m},\n" for m in members)
                    text = f"from {module} import (\n{inner})"
                lines.append(text)
            if lines:
                blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def _natural(text):
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", text)
    ] + [(2, 0, text)]


def _member_key(name):
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, _natural(name))


