"""The Dagster tasks' first start on an empty database, as ECS starts them: together.

ECS starts the webserver and daemon services at the same time; each creates Dagster's tables
when it loads the instance, and Dagster retries only some of the errors two concurrent creators
hit. Seen in CI (2026-12-02): the daemon exited with ``DuplicateObject: type "run_tags" already
exists``. Here several tasks' start-up step runs on the instance config Terraform renders,
against a real PostgreSQL over TLS, round after round on a fresh database, each task starting
at a random moment within the creation window (about 1 in 5 rounds hit the race before the fix).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from tests.containers.ecs import container_spec
from tests.containers.postgres import Postgres, dagster_database, network_namespace
from tests.containers.tasks import dagster_container, dagster_image
from wikistream_dagster.aws.instance_init import InstanceInitError, storage_url

SECRETS = {"DAGSTER_PG_PASSWORD": "instance-init-test-password"}
TASKS, ROUNDS, SPREAD_S = 4, 24, 1.5
REPO = Path(__file__).resolve().parents[2]

# One task: writes the instance config as the ECS command does, then per round waits for the
# round's go file, sleeps a random part of SPREAD_S and runs the start-up step.
TASK = """
import os, random, sys, time, traceback
from pathlib import Path
work, me, spread = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
home = Path(os.environ["DAGSTER_HOME"])
home.mkdir(parents=True)
(home / "dagster.yaml").write_text(os.environ["DAGSTER_INSTANCE_YAML"] + "\\n")
from wikistream_dagster.aws.instance_init import init_instance
from wikistream_dagster.config import dagster_env
rng = random.Random(me)
for round_ in range(int(sys.argv[4])):
    go = work / f"go-{round_}"
    while not go.exists():
        if (work / "stop").exists():
            sys.exit(0)
        time.sleep(0.005)
    time.sleep(rng.random() * spread)
    try:
        init_instance(home, dagster_env())
        result = "ok"
    except Exception:
        result = traceback.format_exc()[-1500:]
    (work / f"result-{round_}-{me}").write_text(result)
"""


@pytest.fixture
def netns():
    with network_namespace() as pid:
        yield pid


@pytest.fixture
def postgres(netns):
    with dagster_database(netns, SECRETS["DAGSTER_PG_PASSWORD"]) as pg:
        yield pg


def _tables(pg: Postgres) -> set[str]:
    with closing(pg.connect()) as conn:
        cur = conn.cursor()
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {name for (name,) in cur.fetchall()}


def _recreate(pg: Postgres) -> None:
    with closing(pg.connect("postgres")) as conn:
        conn.cursor().execute(f'DROP DATABASE "{pg.db}" WITH (FORCE)')
        conn.cursor().execute(f'CREATE DATABASE "{pg.db}"')


def _results(work: Path, round_: int, deadline: float) -> list[str]:
    while time.monotonic() < deadline:
        found = sorted(work.glob(f"result-{round_}-*"))
        if len(found) == TASKS:
            return [path.read_text() for path in found]
        time.sleep(0.05)
    raise AssertionError(f"round {round_}: not every task finished its start-up step in time")


@pytest.mark.slow
def test_tasks_starting_together_on_an_empty_database_all_start(netns, postgres, tmp_path):
    container = dagster_container("daemon", db_host="127.0.0.1")
    spec = container_spec(dagster_image(), container, SECRETS)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(tmp_path)}
    env |= {name: value for name, value in spec.env.items() if name.startswith("DAGSTER_")}
    work = tmp_path / "work"
    work.mkdir()
    tasks = [
        subprocess.Popen(
            [
                "nsenter",
                f"--net=/proc/{netns}/ns/net",
                "--",
                sys.executable,
                "-c",
                TASK,
                str(work),
                str(i),
                str(SPREAD_S),
                str(ROUNDS),
            ],
            env={**env, "DAGSTER_HOME": str(tmp_path / f"home-{i}")},
        )  # fmt: skip
        for i in range(TASKS)
    ]
    try:
        for round_ in range(ROUNDS):
            if round_:
                _recreate(postgres)
            (work / f"go-{round_}").touch()
            results = _results(work, round_, time.monotonic() + 180)
            failed = [result for result in results if result != "ok"]
            assert not failed, f"round {round_}: {len(failed)} of {TASKS} tasks failed: {failed}"
            assert {"runs", "run_tags", "event_logs", "jobs", "daemon_heartbeats"} <= _tables(
                postgres
            )
    finally:
        (work / "stop").touch()
        for task in tasks:
            try:
                task.wait(timeout=30)
            except subprocess.TimeoutExpired:
                task.kill()


@pytest.mark.parametrize("task", ["webserver", "daemon"])
def test_each_server_task_creates_the_schema_under_the_lock_before_it_serves(task):
    command = dagster_container(task)["command"]
    assert command[:2] == ["/bin/sh", "-c"]
    setup, _, server = command[2].partition(" && exec ")
    assert setup.endswith("python -m wikistream_dagster.aws.instance_init"), setup
    assert server.startswith("dagster-"), server


def test_storage_url_reads_the_rendered_config_as_dagster_does():
    spec = container_spec(dagster_image(), dagster_container("daemon"), SECRETS)
    config = yaml.safe_load(spec.env["DAGSTER_INSTANCE_YAML"])
    url = storage_url(config, spec.env)
    assert url == (
        f"postgresql+psycopg2://{spec.env['DAGSTER_PG_USERNAME']}:{SECRETS['DAGSTER_PG_PASSWORD']}"
        f"@db.example:5432/{spec.env['DAGSTER_PG_DB']}?sslmode=require"
    )
    assert storage_url({"storage": {"sqlite": {"base_dir": "/x"}}}, {}) is None
    env = {k: v for k, v in spec.env.items() if k != "DAGSTER_PG_HOST"}
    with pytest.raises(InstanceInitError, match=r"\$DAGSTER_PG_HOST, which is not set"):
        storage_url(config, env)
