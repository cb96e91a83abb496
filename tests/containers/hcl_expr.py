"""Recursive descent over one HCL expression (the subset ``hcl_eval.Evaluator`` supports)."""

from __future__ import annotations

import re
from typing import Any

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class HclError(ValueError):
    """An expression outside the supported subset (extend the evaluator, or the test input)."""


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise HclError(f"cannot interpolate a collection into a string: {value!r}")
    return str(value)


class Parser:
    """Recursive descent over one expression text."""

    def __init__(self, text: str, pos: int, ev: Any) -> None:
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
            if self.text.startswith("[*]", self.pos):
                # Splat on a non-list: null -> [], a value -> [value] (the optional-block idiom).
                self.pos += 3
                value = [] if value is None else value if isinstance(value, list) else [value]
            elif self.text.startswith(".", self.pos):
                self.pos += 1
                m = _IDENT.match(self.text, self.pos)
                self.pos = m.end()
                value = _after_apply(value, f".{m.group(0)}") or value[m.group(0)]
            elif self.text.startswith("[", self.pos):
                self.pos += 1
                index = self.expr()
                self.take("]")
                value = _after_apply(value, f"[{index}]") or value[index]
            else:
                return value

    def primary(self) -> Any:
        text, pos = self.text, self.pos
        if text.startswith('"', pos):
            self.pos += 1
            parts = self.template_parts(end='"')
            if len(parts) == 1 and isinstance(parts[0], str):
                return parts[0]
            return "".join(p if isinstance(p, str) else as_text(p[0]) for p in parts)
        if text.startswith("[", pos):
            self.pos += 1
            if self.peek("for "):
                return self.for_expr("]")
            items = []
            while not self.peek("]"):
                items.append(self.expr())
            self.take("]")
            return items
        if text.startswith("{", pos):
            self.pos += 1
            if self.peek("for "):
                return self.for_expr("}")
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

    def for_expr(self, close: str) -> list | dict:
        """``[for k, v in c : value]`` (close ``]``) or ``{for k, v in c : key => value}``
        (close ``}``); no ``if`` filter."""
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
        body_start, outer = self.pos, getattr(self, "scope", {})
        items = list(collection.items() if isinstance(collection, dict) else enumerate(collection))
        out_list, out_obj = [], {}
        for key, value in items:
            self.pos = body_start
            bound = dict(zip(names, (key, value) if len(names) == 2 else (value,), strict=True))
            self.scope = {**outer, **bound}
            item = self.expr()
            if close == "}":
                self.take("=>")
                out_obj[item] = self.expr()
            else:
                out_list.append(item)
        if not items:
            self.skip_to_close()
        self.scope = outer
        self.take(close)
        return out_obj if close == "}" else out_list

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


def _after_apply(value: Any, access: str) -> str | None:
    """``<aws_x.y.list>`` + ``[0]`` -> ``<aws_x.y.list[0]>``: access into a value known only
    after apply stays a marker (None for anything else)."""
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return f"{value[:-1]}{access}>"
    return None
