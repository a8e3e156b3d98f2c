"""The portal's Jinja environment: ``{{ value }}`` escaped without a ``Markup`` per value.

Under autoescaping Jinja compiles every ``{{ value }}`` to ``escape(value)``, and MarkupSafe's
``escape`` wraps each result in a ``Markup`` through a Python ``__new__`` (~1 µs a value, ten
times the escaping itself). A 50-row list prints 850–900 values: 12–14 % of the page. What an
output expression yields only ever goes into the page being joined: a buffer (``{% set %}``
blocks, macros, ``{% filter %}``, ``caller()``) is wrapped in ``Markup`` again by Jinja when it
is joined, so the values themselves need not be ``Markup``. ``output_escape`` returns the same
text as ``markupsafe.escape`` as a plain ``str``; every other use of ``escape`` (the ``|e``
filter, ``Markup`` operators, macros' arguments) is Jinja's own and unchanged.
"""
from __future__ import annotations

from flask.templating import Environment
from jinja2.compiler import CodeGenerator
from markupsafe import escape

try:  # MarkupSafe 3's C escaper: the text ``escape`` puts into its Markup
    from markupsafe._speedups import _escape_inner as _escape_text
except ImportError:  # pragma: no cover - another MarkupSafe: its public function, same text
    _escape_text = escape


def output_escape(value) -> str:
    """``str(markupsafe.escape(value))``, without building the ``Markup``."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is int:  # digits and a sign: nothing to escape (bool and enums take the long way)
        return str(value)
    if hasattr(value, "__html__"):  # Markup, lazy translations, Jinja's Undefined has none
        return value.__html__()
    return _escape_text(str(value))


class _OutputEscapingCodeGenerator(CodeGenerator):
    """Writes ``environment.output_escape(…)`` where Jinja writes ``escape(…)`` for an output
    expression. ``environment`` is a name in every compiled render function (a parameter of the
    root and block functions, a global of the module)."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile:
            self.write("(environment.output_escape if context.eval_ctx.autoescape else str)(")
        elif frame.eval_ctx.autoescape:
            self.write("environment.output_escape(")
        else:
            self.write("str(")
        if finalize.src is not None:
            self.write(finalize.src)


class PortalEnvironment(Environment):
    code_generator_class = _OutputEscapingCodeGenerator
    output_escape = staticmethod(output_escape)
