"""Evaluate the Terraform expressions of a module's locals and task definitions, in Python.

python-hcl2 parses a module but leaves expressions (``jsonencode([...])``, ``merge(...)``,
``local.x``, for-expressions, templates) as text. The container start-up contracts need the
container definitions ECS receives, so this evaluates the small subset of HCL the modules use:
literals, templates, references, ``[for k, v in m : ...]`` and a few functions. Resource
attributes (known only after apply) come from the caller or stay as ``<type.name.attr>``
markers; variables without a default must be given; anything unsupported raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.infra.infra_hcl import Module

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class HclError(ValueError):
    """An expression outside the supported subset (extend the evaluator, or the test input)."""


class Evaluator:
    """Evaluates expressions of one module, given its variables and resource attributes."""

    def __init__(
        self,
        module: Module,
        variables: Mapping[str, Any],
        resources: Mapping[str, Any],
    ) -> None:
        self.module = module
        self.resources = dict(resources)
        self.vars = {
            name: body["default"] for name, body in module.variables.items() if "default" in body
        }
        self.vars.update(variables)
        self._locals: dict[str, Any] = {}
        self.functions: dict[str, Callable[..., Any]] = {
            "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
            "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
            "tostring": lambda v: v if isinstance(v, str) else json.dumps(v),
            "templatefile": self._templatefile,
        }

    # -- values as python-hcl2 gives them ---------------------------------------------------------

    def value(self, node: Any) -> Any:
        """A python-hcl2 attribute value, with every expression string evaluated."""
        if isinstance(node, dict):
            return {k: self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if isinstance(node, str):
            return self.template(node)
        return node

    def local(self, name: str) -> Any:
        if name not in self._locals:
            if name not in self.module.locals:
                raise HclError(f"local.{name} is not defined in module {self.module.name}")
            self._locals[name] = self.value(self.module.locals[name])
        return self._locals[name]

    def template(self, text: str) -> Any:
        """A string template; one interpolation spanning the whole string keeps its type."""
        parser = _Parser(text, 0, self)
        parts = parser.template_parts(end=None)
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0][0]
        return "".join(p if isinstance(p, str) else _as_text(p[0]) for p in parts)

    def reference(self, root: str, attrs: list[str]) -> Any:
        if root == "local":
            value, rest = self.local(attrs[0]), attrs[1:]
        elif root == "var":
            if attrs[0] not in self.vars:
                raise HclError(f"var.{attrs[0]} has no default: give it to the evaluator")
            value, rest = self.vars[attrs[0]], attrs[1:]
        elif root == "path" and attrs[:1] == ["module"]:
            value, rest = str(self.module.path), attrs[1:]
        else:
            key = ".".join([root, *attrs])
            # Known only after apply: the caller's value, or a marker that shows where it went.
            return self.resources.get(key, f"<{key}>")
        for attr in rest:
            value = value[attr]
        return value

    def _templatefile(self, path: str, values: Mapping[str, Any]) -> str:
        text = Path(path).read_text()
        return re.sub(r"\$\{(\w+)\}", lambda m: _as_text(values[m.group(1)]), text)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise HclError(f"cannot interpolate a collection into a string: {value!r}")
    return str(value)


class _Parser:
    """Recursive descent over one expression text."""

    def __init__(self, text: str, pos: int, ev: Evaluator) -> None:
        self.text, self.pos, self.ev = text, pos, ev

    def fail(self, what: str) -> HclError:
        return HclError(f"{what} at {self.pos}: ...{self.text[self.pos : self.pos + 60]!r}")

    def ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n,":
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.ws()
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> None:
        if not self.peek(token):
            raise self.fail(f"expected {token!r}")
        self.pos += len(token)

    def template_parts(self, end: str | None) -> list:
        """Literal text and ("${expr}" value,) tuples up to ``end`` (a closing quote) or EOF."""
        parts, buf = [], []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if end is not None and ch == end:
                self.pos += 1
                break
            if self.text.startswith("$${", self.pos):
                buf.append("${")
                self.pos += 3
            elif self.text.startswith("${", self.pos):
                if buf:
                    parts.append("".join(buf))
                    buf = []
                self.pos += 2
                value = self.expr()
                self.take("}")
                parts.append((value,))
            elif ch == "\\" and end is not None:
                nxt = self.text[self.pos + 1]
                buf.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
                self.pos += 2
            else:
                buf.append(ch)
                self.pos += 1
        if buf or not parts:
            parts.append("".join(buf))
        return parts

    def expr(self) -> Any:
        self.ws()
        value = self.primary()
        while True:
            if self.text.startswith(".", self.pos):
                self.pos += 1
                m = _IDENT.match(self.text, self.pos)
                self.pos = m.end()
                value = value[m.group(0)]
            elif self.text.startswith("[", self.pos):
                self.pos += 1
                index = self.expr()
                self.take("]")
                value = value[index]
            else:
                return value

    def primary(self) -> Any:
        text, pos = self.text, self.pos
        if text.startswith('"', pos):
            self.pos += 1
            parts = self.template_parts(end='"')
            if len(parts) == 1 and isinstance(parts[0], str):
                return parts[0]
            return "".join(p if isinstance(p, str) else _as_text(p[0]) for p in parts)
        if text.startswith("[", pos):
            self.pos += 1
            if self.peek("for "):
                return self.for_tuple()
            items = []
            while not self.peek("]"):
                items.append(self.expr())
            self.take("]")
            return items
        if text.startswith("{", pos):
            self.pos += 1
            obj = {}
            while not self.peek("}"):
                self.ws()
                if self.text.startswith('"', self.pos):
                    key = self.primary()
                else:
                    m = _IDENT.match(self.text, self.pos)
                    if not m:
                        raise self.fail("expected an object key")
                    key, self.pos = m.group(0), m.end()
                self.ws()
                if self.text[self.pos] not in "=:":
                    raise self.fail("expected = or :")
                self.pos += 1
                obj[key] = self.expr()
            self.take("}")
            return obj
        if text.startswith("(", pos):
            self.pos += 1
            value = self.expr()
            self.take(")")
            return value
        m = _NUMBER.match(text, pos)
        if m:
            self.pos = m.end()
            return float(m.group(0)) if m.group(1) else int(m.group(0))
        m = _IDENT.match(text, pos)
        if not m:
            raise self.fail("expected an expression")
        name, self.pos = m.group(0), m.end()
        if name in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[name]
        if self.text.startswith("(", self.pos):
            self.pos += 1
            args = []
            while not self.peek(")"):
                args.append(self.expr())
            self.take(")")
            if name not in self.ev.functions:
                raise HclError(f"function {name}() is not supported by the evaluator")
            return self.ev.functions[name](*args)
        attrs = []
        while self.text.startswith(".", self.pos):
            m = _IDENT.match(self.text, self.pos + 1)
            if not m:
                break
            attrs.append(m.group(0))
            self.pos = m.end()
        scope = getattr(self, "scope", {})
        if name in scope:
            value = scope[name]
            for attr in attrs:
                value = value[attr]
            return value
        return self.ev.reference(name, attrs)

    def for_tuple(self) -> list:
        self.take("for")
        self.ws()
        names = []
        while not self.peek("in "):
            m = _IDENT.match(self.text, self.pos)
            names.append(m.group(0))
            self.pos = m.end()
            self.ws()
        self.take("in")
        collection = self.expr()
        self.take(":")
        body_start = self.pos
        out = []
        items = collection.items() if isinstance(collection, dict) else enumerate(collection)
        for key, value in items:
            self.pos = body_start
            bound = dict(zip(names, (key, value) if len(names) == 2 else (value,), strict=True))
            self.scope = {**getattr(self, "scope", {}), **bound}
            out.append(self.expr())
        if not items:
            self.skip_to_close()
        self.scope = {}
        self.take("]")
        return out

    def skip_to_close(self) -> None:
        depth = 0
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in "[{(":
                depth += 1
            elif ch in "]})":
                if depth == 0:
                    return
                depth -= 1
            self.pos += 1
