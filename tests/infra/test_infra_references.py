"""What `terraform validate` would check, done over the parsed HCL (no provider is available here).

Every reference resolves: var.*, local.*, data.*, resources, module.X.Y outputs; every module input
is a declared variable of that module and every required one is given; the example tfvars sets
every required variable of the root; templatefile() gets every variable its template uses.
"""

import re

import pytest

from tests.infra.infra_hcl import (
    INTERNAL_MODULES,
    interpolations,
    load_module,
    squash,
    strings,
)

REFERENCE = {
    "var": re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)"),
    "local": re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)"),
    "module": re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)"),
    "data": re.compile(r"(?<![\w.])data\.([a-z0-9_]+)\.([A-Za-z_][\w-]*)"),
    "resource": re.compile(
        r"(?<![\w.\"/-])((?:aws|random)_[a-z0-9_]+|terraform_data)\.([A-Za-z_][\w-]*)"
    ),
}
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}


def expressions(module):
    """Every ${...} expression of a module (attribute values, locals, outputs, nested blocks)."""
    trees = [module.variables, module.outputs, module.locals, module.modules]
    trees += list(module.resources.values()) + list(module.data.values())
    return [expr for tree in trees for text in strings(tree) for expr in interpolations(text)]


def references(module, kind):
    return {match for expr in expressions(module) for match in REFERENCE[kind].findall(expr)}


def all_modules(modules, root):
    return [*modules.values(), root]


def test_the_env_root_composes_every_module(modules, root):
    sources = {body["source"] for body in root.modules.values()}
    assert sources == {f"../../modules/{name}" for name in set(modules) - INTERNAL_MODULES}
    assert set(modules) - INTERNAL_MODULES == {
        "network",
        "msk",
        "lakehouse",
        "emr_serverless",
        "producer",
        "orchestration",
        "monitoring",
    }
    # Internal modules serve the others: each is called by at least one module, never by the root.
    for internal in INTERNAL_MODULES:
        assert any(module.calls(internal) for module in modules.values()), internal


def calls(modules, root):
    """(caller, call name, body, called module) of every module call in infra/."""
    return [
        (caller, name, call, load_module((caller.path / call["source"]).resolve()))
        for caller in all_modules(modules, root)
        for name, call in caller.modules.items()
    ]


@pytest.mark.parametrize("kind", ["var", "local"])
def test_variables_and_locals_are_declared(modules, root, kind):
    for module in all_modules(modules, root):
        declared = module.variables if kind == "var" else module.locals
        missing = references(module, kind) - set(declared)
        assert not missing, f"{module.name}: undeclared {kind}.{sorted(missing)}"


def test_every_variable_is_used(modules, root):
    for module in all_modules(modules, root):
        unused = set(module.variables) - references(module, "var")
        assert not unused, f"{module.name}: unused variables {sorted(unused)}"


def test_resources_and_data_sources_exist(modules, root):
    for module in all_modules(modules, root):
        missing = references(module, "resource") - set(module.resources)
        missing |= {("data", *ref) for ref in references(module, "data") - set(module.data)}
        assert not missing, f"{module.name}: references to undeclared {sorted(missing)}"


def test_module_outputs_are_declared_and_resolve(modules, root):
    called = {(caller.name, name): target for caller, name, _, target in calls(modules, root)}
    for caller in all_modules(modules, root):
        for module_name, output_name in references(caller, "module"):
            where = f"{caller.name}: module.{module_name}"
            assert (caller.name, module_name) in called, f"{where} is not declared"
            assert output_name in called[(caller.name, module_name)].outputs, (
                f"{where}.{output_name}"
            )
    for module in modules.values():
        for name, output in module.outputs.items():
            assert output.get("description"), f"{module.name}: output {name} has no description"


def test_module_inputs_are_declared_variables_and_required_ones_are_set(modules, root):
    found = calls(modules, root)
    # the env's modules; internal ones: 7 keys, 9 roles, 2 image repositories
    assert len(found) == len(root.modules) + 7 + 9 + 2
    for caller, name, call, target in found:
        name = f"{caller.name}.{name}"
        inputs = set(call) - META_ARGUMENTS
        unknown = inputs - set(target.variables)
        assert not unknown, f"module {name}: no such variables {sorted(unknown)}"
        required = {v for v, body in target.variables.items() if "default" not in body}
        assert required <= inputs, f"module {name}: required {sorted(required - inputs)} not set"


def test_example_tfvars_sets_every_required_root_variable(root, tfvars_example):
    required = {v for v, body in root.variables.items() if "default" not in body}
    assert required, "the root should have required variables (region, image tags, ...)"
    assert required <= set(tfvars_example), f"missing in tfvars: {required - set(tfvars_example)}"
    assert set(tfvars_example) <= set(root.variables), "tfvars sets undeclared variables"


def test_variables_have_types_and_descriptions(modules, root):
    for module in all_modules(modules, root):
        for name, body in module.variables.items():
            assert body.get("type") and body.get("description"), f"{module.name}: var.{name}"


def test_templatefile_gets_every_template_variable(modules):
    orchestration = modules["orchestration"]
    call = squash(orchestration.locals["instance_yaml"])
    template = re.search(r"templatefile\(path\.module/([^,]+),", call).group(1)
    used = set(re.findall(r"\$\{(\w+)\}", (orchestration.path / template).read_text()))
    given = set(re.findall(r",(\w+)=", call))
    assert used, "the template should use variables"
    assert used == given, f"template uses {sorted(used)}, templatefile gives {sorted(given)}"


def test_providers_and_terraform_version_are_pinned(modules, root):
    for module in all_modules(modules, root):
        (settings,) = module.terraform
        assert squash(settings["required_version"]) == ">=1.6", module.name
        aws = settings["required_providers"][0]["aws"]
        assert aws["source"] == "hashicorp/aws" and aws["version"], module.name


def _resolve(root, address: str):
    """(module, resource type, name, for_each key or None) of a state address, or None when the
    address names nothing in the configuration."""
    parts = re.findall(r'module\.(\w+)\.|(\w+)\.(\w+)(?:\["([^"]+)"\]|\[(\d+)\])?$', address)
    module = root
    for call, rtype, name, key, index in parts:
        if call:
            if call not in module.modules:
                return None
            module = load_module((module.path / module.modules[call]["source"]).resolve())
        else:
            if (rtype, name) not in module.resources:
                return None
            if index and "count" not in module.resources[(rtype, name)]:
                return None  # [n] addresses an instance of a resource with count
            return module, rtype, name, key or None
    return None


def test_moved_blocks_lead_from_old_addresses_to_declared_resources(root):
    """Resources that changed address (issue #12: one kms_key module, rules and alarms from maps)
    are moved, not destroyed and re-created: every `to` is declared (with its for_each key),
    no `from` is still declared, and no address is moved twice."""
    moved = [{k: v.removeprefix("${").removesuffix("}") for k, v in m.items()} for m in root.moved]
    assert len(moved) >= 14 + 18  # 7 keys and their aliases, 9 roles and their policies at least
    assert len({m["from"] for m in moved}) == len(moved)
    for block in moved:
        target = _resolve(root, block["to"])
        assert target, f"moved to {block['to']}, which is not declared"
        module, rtype, name, key = target
        if key is not None:
            keys = module.locals[module.resources[(rtype, name)]["for_each"][len("${local.") : -1]]
            assert key in keys, f"{block['to']}: no {key} in the for_each map"
        assert _resolve(root, re.sub(r"\[[^\]]*\]$", "", block["from"])) is None, block["from"]
