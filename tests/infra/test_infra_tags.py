"""Settings every resource shares are set once, at the env root: the tags (the AWS provider's
default_tags) and the retention of the log groups (log_retention_days)."""

import hcl2

from tests.infra.infra_hcl import ENV_ROOT, normalize, strings

RESOURCE_TAGS = {"Name", "Tier"}  # what a resource may add to the default tags


def test_tags_come_only_from_the_providers_default_tags(modules, root):
    with (ENV_ROOT / "versions.tf").open() as handle:
        (provider,) = [p["aws"] for p in normalize(hcl2.load(handle))["provider"] if "aws" in p]
    (default_tags,) = provider["default_tags"]
    assert default_tags["tags"] == "${local.tags}"
    for key in ("Project", "Environment", "ManagedBy"):
        assert key in root.locals["tags"], f"default tags lack {key}"
    assert all("tags" not in call for call in root.modules.values()), "modules take no tags"
    for module in modules.values():
        assert "tags" not in module.variables, f"{module.name}: declares a tags variable"
        texts = [
            t
            for tree in [module.locals, module.modules, *module.resources.values()]
            for t in strings(tree)
        ]
        assert not [t for t in texts if "var.tags" in t or "local.tags" in t], module.name
        for (rtype, name), body in module.resources.items():
            extra = set(body.get("tags", {})) - RESOURCE_TAGS
            assert not extra, f"{module.name}: {rtype}.{name} sets {extra} beside default_tags"


def test_log_retention_is_one_root_setting(modules, root):
    assert root.variables["log_retention_days"]["default"] >= 365
    for call_name, call in root.modules.items():
        module = modules[call["source"].rsplit("/", 1)[-1]]
        if "log_retention_days" in module.variables:
            assert call.get("log_retention_days") == "${var.log_retention_days}", call_name
    for module in modules.values():
        knob = module.variables.get("log_retention_days")
        assert knob is None or "default" not in knob, f"{module.name}: a retention of its own"
        for call_name, call in module.calls("kms_key").items():
            groups = call.get("log_groups") or {}
            if groups.get("create"):
                assert groups.get("retention_in_days") == "${var.log_retention_days}", (
                    f"{module.name}: kms_key call {call_name} makes log groups without the "
                    "root's retention"
                )
