"""The producer container as ECS starts it: the image's ENTRYPOINT plus the task's command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.containers import sandbox
from tests.containers.ecs import container_spec, fargate_mounts
from tests.containers.tasks import producer_container, producer_image
from tests.infra.infra_hcl import MODULES, load_module


def test_argv_is_the_entrypoint_once():
    """ECS appends the task's ``command`` to the image's ENTRYPOINT: it must hold only arguments."""
    spec = container_spec(producer_image(), producer_container(), {})
    assert spec.argv == ["python", "-m", "producer_service"], (
        f"the producer would start as {spec.argv}: the task definition's command repeats the "
        "image's ENTRYPOINT (python -m producer_service); give only arguments, or none"
    )


def test_state_volume_is_writable_by_the_image_user():
    image = producer_image()
    spec = container_spec(image, producer_container(), {})
    state_uid = load_module(MODULES / "producer").variables["state_uid"]["default"]
    mounts = fargate_mounts(image, spec, efs_owner={"state": (state_uid, 0o750)})
    assert mounts[spec.env["PRODUCER_STATE_DIR"]] == (spec.uid, 0o750)
    owner, mode = mounts["/tmp"]
    assert owner == spec.uid or mode & 0o002, f"/tmp would be {oct(mode)} owned by uid {owner}"


@pytest.mark.slow
def test_producer_starts_as_ecs_starts_it(kafka_broker):
    """The container (argv, env, uid 10001, read-only root, Fargate mounts) until /health is ok.

    Differences from ECS, all through the module's own variables except one: the SSE URL is
    the replay twin, the bootstrap servers the local broker, the metrics port a free one; the
    local broker has no IAM, so PRODUCER_SECURITY_PROTOCOL is plaintext instead of msk-iam.
    """
    reason = sandbox.missing_tools()
    if reason:
        pytest.skip(reason)
    from wikistream_dagster.local.replay import ReplayServerThread

    image = producer_image()
    port = free_port()
    with ReplayServerThread(speed=20) as twin:
        container = producer_container(
            sse_url=twin.url, kafka={"bootstrap_servers": kafka_broker}, metrics_port=port
        )
        spec = container_spec(image, container, {})
        spec.env["PRODUCER_SECURITY_PROTOCOL"] = "plaintext"
        state_uid = load_module(MODULES / "producer").variables["state_uid"]["default"]
        mounts = fargate_mounts(image, spec, efs_owner={"state": (state_uid, 0o750)})
        scratch = sandbox.scratch_dir("producer-container-")
        proc = sandbox.launch(image, spec, mounts, scratch, log_name="producer")
        health, ecs_check, deadline = None, None, time.monotonic() + 60
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                        health = json.loads(r.read())
                    if health.get("status") == "ok" and health.get("produced", 0) > 0:
                        # ECS's own health check, as the task defines it, must pass too.
                        check = container["healthCheck"]["command"]
                        assert check[0] == "CMD"
                        ecs_check = subprocess.run(
                            check[1:], env=_with_venv(spec.env), capture_output=True, timeout=10
                        )
                        break
                except OSError:
                    pass
                time.sleep(0.5)
        finally:
            sandbox.stop(proc)
        log = (scratch / "producer.log").read_text(errors="replace")
        shutil.rmtree(scratch, ignore_errors=True)
    assert health and health["status"] == "ok" and health["produced"] > 0, (
        f"the producer container did not become healthy (exit {proc.returncode}): {log[-3000:]}"
    )
    assert ecs_check.returncode == 0, ecs_check.stderr.decode()[-1000:]
    assert proc.returncode == 0, f"SIGTERM should stop it cleanly: {log[-2000:]}"


def _with_venv(env: dict) -> dict:
    """The container's environment with the image's Python (the venv) first on PATH."""
    return {**env, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"}
