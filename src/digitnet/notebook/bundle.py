"""The widget's JavaScript and CSS: the page's own modules (``web/static/js``), bundled into one.

A notebook front end loads a widget's code as a single ES module (anywidget's ``_esm``), which
cannot import the page's files by their relative paths. :func:`esm` therefore joins the modules
that ``js/widget.js`` imports, directly or not, each in a function scope of its own, in an order
where every module comes after those it imports; nothing is copied into the package, so the
widget always runs exactly the page's code. The modules keep to two forms this relies on::

    import {a, b as c} from "./name.js";            // named imports of sibling modules only
    export function f(...) / export const x = ...   // named exports (widget.js: export default)

:func:`css` is the explorer's stylesheet, which is scoped to ``.digitnet`` and so leaves the
notebook's own look alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import DigitnetError

__all__ = ["esm", "css", "STATIC"]

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
ENTRY = "js/widget.js"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"(\./[\w./-]+\.js)";[ \t]*$', re.M)
_EXPORT = re.compile(r"^export\s+(?:async\s+function|function|const|let|class)\s+(\w+)", re.M)
_ANY_IMPORT = re.compile(r"^\s*(import|export\s*\{|export\s*\*)", re.M)


def esm() -> str:
    """The widget's code as one ES module: ``js/widget.js`` with the modules it imports."""
    order: list[str] = []
    _visit(ENTRY, order, set())
    parts = []
    for name in order[:-1]:
        body, exported = _rewrite(name)
        parts.append(f"// ---- {name}\nconst {_var(name)} = (() => {{\n{body}\n"
                     f"return {{{', '.join(exported)}}};\n}})();\n")
    body, _ = _rewrite(ENTRY, keep_exports=True)
    parts.append(f"// ---- {ENTRY}\n{body}\n")
    return "\n".join(parts)


def css() -> str:
    """The explorer's stylesheet (``explorer.css``)."""
    return (STATIC / "explorer.css").read_text(encoding="utf-8")


def _visit(name: str, order: list[str], seen: set[str]) -> None:
    """Depth first through the imports of module ``name``: each module after its imports."""
    if name in seen:
        return
    seen.add(name)
    for _, target in _IMPORT.findall(_source(name)):
        _visit(_resolve(name, target), order, seen)
    order.append(name)


def _rewrite(name: str, keep_exports: bool = False) -> tuple[str, list[str]]:
    """Module ``name``'s code with its imports read from the modules bundled before it, and (but
    for the entry) its ``export`` keywords taken off; and the names it exports."""
    source = _source(name)

    def take(match: re.Match) -> str:
        names = [n.strip() for n in match.group(1).split(",") if n.strip()]
        fields = ", ".join(n.replace(" as ", ": ") for n in names)
        return f"const {{{fields}}} = {_var(_resolve(name, match.group(2)))};"

    body = _IMPORT.sub(take, source)
    if _ANY_IMPORT.search(body):
        line = _ANY_IMPORT.search(body).group(0).strip()
        raise DigitnetError(f"{name}: cannot bundle {line!r}; the widget's modules import "
                            'only as: import {a, b} from "./name.js";')
    exported = _EXPORT.findall(body)
    if not keep_exports:
        body = re.sub(r"^export\s+", "", body, flags=re.M)
    return body, exported


def _resolve(importer: str, target: str) -> str:
    return (Path(importer).parent / target).as_posix()


def _var(name: str) -> str:
    return "module_" + re.sub(r"\W", "_", name.removesuffix(".js"))


def _source(name: str) -> str:
    path = STATIC / name
    if not path.is_file():
        raise DigitnetError(f"the widget's module {name} is missing from {STATIC}; reinstall "
                            "digitnet")
    return path.read_text(encoding="utf-8")
