"""infra/ read as data: every module directory parsed with python-hcl2 (no Terraform needed)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import hcl2  # python-hcl2, in the project's dev extras

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
MODULES = INFRA / "modules"
ENV_ROOT = INFRA / "envs" / "prod"
# Internal modules: building blocks the other modules call (the env root does not).
INTERNAL_MODULES = {"kms_key"}


def _unquote(value: str) -> str:
    """python-hcl2 >= 8 keeps the quotes of string literals; 7 does not. Return the bare text."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def normalize(node):
    """Drop python-hcl2's metadata keys and literal quotes, so both major versions look alike."""
    if isinstance(node, dict):
        return {_unquote(k): normalize(v) for k, v in node.items() if not k.startswith("__")}
    if isinstance(node, list):
        return [normalize(v) for v in node]
    if isinstance(node, str):
        return _unquote(node)
    return node


def interpolations(text: str) -> list[str]:
    """The ${...} expressions inside a string (outermost ones, nested braces balanced)."""
    found, start = [], text.find("${")
    while start != -1:
        depth, i = 0, start + 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        found.append(text[start + 2 : i])
        start = text.find("${", i)
    return found


def strings(node):
    """Every string in a parsed HCL tree."""
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def squash(text: str) -> str:
    """Formatting-free form of an expression, for comparisons that must not depend on spacing,
    quoting or on how python-hcl2 7 and 8 render object literals ({a = 1} vs {"a": 1})."""
    text = re.sub(r"\s+", "", str(text))
    for token, replacement in (('"', ""), ("${", ""), ("{", ""), ("}", ""), (":", "=")):
        text = text.replace(token, replacement)
    return text


def has(expression: str, snippet: str) -> bool:
    """Whether an expression contains a snippet, formatting aside."""
    return squash(snippet) in squash(expression)


@dataclass
class Module:
    """One Terraform module directory, parsed."""

    path: Path
    variables: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    locals: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)  # (type, name) -> body
    data: dict = field(default_factory=dict)  # (type, name) -> body
    modules: dict = field(default_factory=dict)  # name -> body
    terraform: list = field(default_factory=list)
    moved: list = field(default_factory=list)  # {"from": address, "to": address}

    @property
    def name(self) -> str:
        return self.path.name

    def of_type(self, rtype: str) -> dict:
        return {name: body for (t, name), body in self.resources.items() if t == rtype}

    def policy(self, name: str) -> dict:
        return self.data[("aws_iam_policy_document", name)]

    def calls(self, module_name: str) -> dict:
        """The calls of an internal module (e.g. ``kms_key``), by call name."""
        return {n: b for n, b in self.modules.items() if b["source"] == f"../{module_name}"}


def load_module(path: Path) -> Module:
    module = Module(path=path)
    for tf in sorted(path.glob("*.tf")):
        with tf.open() as handle:
            doc = normalize(hcl2.load(handle))
        for block in doc.get("variable", []):
            module.variables.update(block)
        for block in doc.get("output", []):
            module.outputs.update(block)
        for block in doc.get("locals", []):
            module.locals.update(block)
        for block in doc.get("module", []):
            module.modules.update(block)
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        target[(rtype, name)] = body
        module.terraform.extend(doc.get("terraform", []))
        module.moved.extend(doc.get("moved", []))
    return module
