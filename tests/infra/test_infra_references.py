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
    # the env's modules; internal ones: 7 keys, 8 role calls (ecs_cluster's serves two clusters),
    # 1 image repository (in ecs_cluster), 2 clusters, 2 task definition calls, 2 service calls,
    # 8 security groups, 3 resource policies + iam_role's, 4 aws_context lookups
    assert len(found) == len(root.modules) + 7 + 8 + 1 + 2 + 2 + 2 + 8 + 4 + 4
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


def test_no_moved_blocks_before_the_first_release(modules, root):
    """No deployment has been applied yet, so changed state addresses get no `moved` blocks:
    infra/README.md lists the moves in prose for anyone who applied an earlier commit."""
    for module in all_modules(modules, root):
        assert not module.moved, f"{module.name}: moved blocks (see infra/README.md)"
    readme = (root.path.parents[1] / "README.md").read_text()
    assert "## State addresses changed before the first release" in readme
