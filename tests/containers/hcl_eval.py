"""Evaluate the Terraform expressions of a module's locals and task definitions, in Python.

python-hcl2 parses a module but leaves expressions (``jsonencode([...])``, ``merge(...)``,
``local.x``, for-expressions, templates) as text. The container start-up contracts need the
container definitions ECS receives, so this evaluates the small subset of HCL the modules use:
literals, templates, references, ``[for k, v in m : ...]``, ``{for x in c : k => v}``, the
``x[*]`` splat (null -> []) and a few functions. Resource attributes (known only after apply)
come from the caller or stay as ``<type.name.attr>`` markers; variables without a default must
be given; anything unsupported raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.containers.hcl_expr import HclError, Parser, as_text
from tests.infra.infra_hcl import Module


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
            "lookup": lambda m, key, default=None: m.get(key, default),
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
        parser = Parser(text, 0, self)
        parts = parser.template_parts(end=None)
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0][0]
        return "".join(p if isinstance(p, str) else as_text(p[0]) for p in parts)

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
        return re.sub(r"\$\{(\w+)\}", lambda m: as_text(values[m.group(1)]), text)
