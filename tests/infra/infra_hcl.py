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
INTERNAL_MODULES = {
    "kms_key",
    "iam_role",
    "ecr_repository",
    "ecs_cluster",
    "ecs_task",
    "ecs_service",
    "security_group",
    "policy_document",
    "aws_context",
}


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


# The statement policy_document adds to a resource policy, but for its actions and resources.
DENY_INSECURE_TRANSPORT = {
    "sid": "DenyInsecureTransport",
    "effect": "Deny",
    "principals": [{"type": "AWS", "identifiers": ["*"]}],
    "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
}


EACH_VALUE = re.compile(r"\$\{(?:try\()?each\.value\.(\w+)(?:, null\))?\}")


def _each_value(value, entry: dict, where: str):
    """A for_each body's value for one map entry: ``${each.value.x}`` is the entry's x,
    ``${try(each.value.x, null)}`` its x or None; any other use of each.value is refused."""
    if isinstance(value, dict):
        return {k: _each_value(v, entry, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_each_value(v, entry, where) for v in value]
    if not isinstance(value, str) or "each.value" not in value:
        return value
    match = EACH_VALUE.fullmatch(value)
    assert match, f"{where}: cannot expand {value}"
    if value.startswith("${try("):
        return entry.get(match.group(1))
    return entry[match.group(1)]


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
        """A policy document by name: an aws_iam_policy_document of the module (kms_key,
        iam_role's trust), a call of policy_document, or the inline policy of an iam_role call,
        read as the document policy_document makes: the statements, and the statement it adds
        for ``deny_insecure_transport`` (test_infra_iam checks that statement in the module)."""
        if ("aws_iam_policy_document", name) in self.data:
            return self.data[("aws_iam_policy_document", name)]
        call = self.calls("policy_document").get(name) or self.calls("iam_role")[name]["policy"]
        statements = [{"effect": "Allow", **s} for s in call.get("statements", [])]
        if "deny_insecure_transport" in call:
            statements.append({**DENY_INSECURE_TRANSPORT, **call["deny_insecure_transport"]})
        return {"statement": statements}

    def expanded(self, rtype: str) -> dict:
        """Resources of a type, those with ``for_each`` over a map in ``locals`` expanded to one
        body per key (``name["key"]``) with each ``each.value.x`` replaced by the entry's value:
        the rules and alarms written as maps read as the resources Terraform makes of them."""
        out = {}
        for name, body in self.of_type(rtype).items():
            source = re.fullmatch(r"\$\{local\.(\w+)\}", str(body.get("for_each", "")))
            if not source:
                out[name] = body
                continue
            for key, entry in self.locals[source.group(1)].items():
                instance = {}
                for attr, value in body.items():
                    if attr == "for_each":
                        continue
                    value = _each_value(value, entry, f"{self.name}: {rtype}.{name}.{attr}")
                    if value is not None:
                        instance[attr] = value
                out[f'{name}["{key}"]'] = instance
        return out

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
