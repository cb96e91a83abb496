"""The Dagster webserver and daemon containers as ECS on Fargate starts them.

The image runs as a non-root user with a read-only root file system; the task writes the
instance config (PostgreSQL storage) to $DAGSTER_HOME at start and mounts $DAGSTER_HOME and /tmp
as Fargate bind-mount volumes, which Fargate creates root-owned 0755 unless the image declares
them VOLUMEs (then the image's owner and mode are copied in).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from contextlib import closing

import pytest
import yaml

from tests.containers import sandbox
from tests.containers.ecs import container_spec, fargate_mounts
from tests.containers.postgres import Postgres, dagster_database, network_namespace
from tests.containers.tasks import dagster_container, dagster_image

TASKS = ("webserver", "daemon", "run")
SERVER_INFO = "http://127.0.0.1:3000/server_info"  # the webserver task's health check
SECRETS = {"DAGSTER_PG_PASSWORD": "contract-test-password"}


@pytest.mark.parametrize("task", TASKS)
def test_mounts_are_writable_by_the_image_user(task):
    image = dagster_image()
    spec = container_spec(image, dagster_container(task), SECRETS)
    assert spec.uid != 0, "the Dagster image must not run as root"
    mounts = fargate_mounts(image, spec)
    for path in (spec.env["DAGSTER_HOME"], "/tmp", spec.env["HOME"]):
        assert path in mounts, f"{path} is not a volume: the read-only root would refuse writes"
        owner, mode = mounts[path]
        assert owner == spec.uid or mode & 0o002, (
            f"{task}: Fargate would create {path} owned by uid {owner} mode {oct(mode)}; the "
            f"image user {spec.uid} cannot write there. Declare it a VOLUME in Dockerfile.dagster "
            "with a directory owned by that user"
        )


def test_image_and_task_agree_on_dagster_home():
    image = dagster_image()
    spec = container_spec(image, dagster_container("daemon"), SECRETS)
    assert image.env["DAGSTER_HOME"] == spec.env["DAGSTER_HOME"]
    assert spec.env["DAGSTER_HOME"] in image.volumes


def _probe(netns_pid: int, url: str, body: dict | None = None) -> str | None:
    """GET (or POST ``body`` as JSON) from inside the namespace; the response text or None."""
    code = (
        "import json, sys, urllib.request\n"
        f"data = {json.dumps(body).encode() if body else None!r}\n"
        f"req = urllib.request.Request({url!r}, data=data, "
        "headers={'Content-Type': 'application/json'})\n"
        "sys.stdout.write(urllib.request.urlopen(req, timeout=10).read().decode())\n"
    )
    return _probe_code(netns_pid, code)


def _probe_code(netns_pid: int, code: str) -> str | None:
    """Run Python ``code`` inside the namespace; its stdout, or None if it failed."""
    probe = subprocess.run(
        ["nsenter", f"--net=/proc/{netns_pid}/ns/net", "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
    )
    return probe.stdout if probe.returncode == 0 else None


LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


@pytest.fixture
def netns():
    with network_namespace() as pid:
        yield pid


@pytest.fixture
def postgres(netns):
    with dagster_database(netns, SECRETS["DAGSTER_PG_PASSWORD"]) as pg:
        yield pg


@pytest.mark.slow
def test_webserver_and_daemon_start_as_ecs_starts_them(netns, postgres):
    """Both tasks as uid 10001 with a read-only root and Fargate's mounts, on PostgreSQL:
    the webserver answers /server_info (its ECS health check) and every daemon heartbeats.

    Differences from ECS: both tasks and PostgreSQL share one network namespace (RDS is at
    127.0.0.1 over TLS with a self-signed certificate: sslmode=require does not verify it),
    and AWS calls have no network to reach (none are needed to start).
    """
    image = dagster_image()
    scratch = sandbox.scratch_dir("dagster-container-")
    procs, started = {}, time.time()
    try:
        specs = {}
        webserver_container = dagster_container("webserver", db_host="127.0.0.1")
        for task in ("webserver", "daemon"):
            container = (
                webserver_container
                if task == "webserver"
                else dagster_container(task, db_host="127.0.0.1")
            )
            spec = container_spec(image, container, SECRETS)
            specs[task] = spec
            task_scratch = scratch / task
            task_scratch.mkdir()
            task_scratch.chmod(0o755)
            procs[task] = sandbox.launch(
                image, spec, fargate_mounts(image, spec), task_scratch, net_ns_pid=netns,
                log_name=task,
            )  # fmt: skip
        answered, daemons, deadline = False, set(), time.monotonic() + 150
        while time.monotonic() < deadline and not (answered and daemons >= EXPECTED_DAEMONS):
            if any(p.poll() is not None for p in procs.values()):
                break
            answered = answered or _probe(netns, SERVER_INFO) is not None
            daemons = _heartbeats(postgres, since=started)
            time.sleep(1)
        logs = {
            task: (scratch / task / f"{task}.log").read_text(errors="replace")[-2500:]
            for task in procs
        }
        exits = {task: p.poll() for task, p in procs.items()}
        assert answered, f"webserver never answered /server_info (exits {exits}): {logs}"
        assert daemons >= EXPECTED_DAEMONS, (
            f"daemon heartbeats {sorted(daemons)}, expected {sorted(EXPECTED_DAEMONS)} "
            f"(exits {exits}): {logs['daemon']}"
        )
        # ECS's own health check of the webserver task, as defined, passes.
        check = webserver_container["healthCheck"]["command"]
        assert check[0] == "CMD" and check[1] == "python"
        assert _probe_code(netns, check[3]) is not None, check
        # The code location (wikistream_dagster.definitions, deployment aws) loads in the image.
        graphql = _probe(netns, "http://127.0.0.1:3000/graphql", {"query": LOCATIONS})
        (entry,) = json.loads(graphql)["data"]["workspaceOrError"]["locationEntries"]
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        home = sandbox.volume_dir(scratch / "daemon", specs["daemon"].env["DAGSTER_HOME"])
        written = yaml.safe_load((home / "dagster.yaml").read_text())
        assert written == yaml.safe_load(specs["daemon"].env["DAGSTER_INSTANCE_YAML"])
        assert "postgres" in written["storage"]
    finally:
        for proc in procs.values():
            sandbox.stop(proc)
        shutil.rmtree(scratch, ignore_errors=True)


# The daemons this instance config runs (queued runs, run monitoring, sensors, schedules).
EXPECTED_DAEMONS = {"SENSOR", "SCHEDULER", "QUEUED_RUN_COORDINATOR", "MONITORING"}


def _heartbeats(pg: Postgres, since: float) -> set[str]:
    try:
        with closing(pg.connect()) as conn:
            cur = conn.cursor()
            cur.execute("SELECT daemon_type, timestamp FROM daemon_heartbeats")
            rows = cur.fetchall()
    except Exception:
        return set()  # the daemon has not created its tables yet
    return {kind for kind, ts in rows if ts.timestamp() >= since - 5}


def test_run_worker_command_is_the_whole_argv():
    """EcsRunLauncher overrides the run container's ``command``: with no ENTRYPOINT in the image
    and none in the task, that command is exactly what runs."""
    image = dagster_image()
    container = dagster_container("run")
    assert "entryPoint" not in container and not image.entrypoint
    launched = {**container, "command": ["dagster", "api", "execute_run", "{}"]}
    assert container_spec(image, launched, SECRETS).argv == launched["command"]
