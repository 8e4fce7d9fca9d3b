"""Docstring text that breaks the -W documentation build, caught without Sphinx.

numpydoc renders a parameter's type as reStructuredText, where a word that
ends with an underscore is a reference: ``shape (n_features_in_,)`` makes
Sphinx fail with 'Unknown target name: "n_features_in"'.
"""

import re
from pathlib import Path

import sklearn_automl

PACKAGE = Path(sklearn_automl.__file__).resolve().parent
#: a "name : type" line of a numpydoc section whose type has a bare ``word_``
_TYPE_LINE = re.compile(r"^\s+\w[\w, ]* : .*\b[A-Za-z]\w*_[,)\s]")


def test_no_trailing_underscore_names_in_docstring_types():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _TYPE_LINE.match(line) and "``" not in line.split(" : ", 1)[1]:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert not bad, (
        "a type with a name ending in '_' is a broken reST reference; write "
        "(n_features,) or quote it with double backquotes:\n" + "\n".join(bad)
    )
