"""Create the Dagster instance's PostgreSQL schema once, before a task serves.

ECS starts the webserver and daemon services together against the same, at first empty,
database, and each creates Dagster's tables when it loads the instance. Dagster retries the
errors of two concurrent creators only in part (``dagster_postgres.utils.retry_pg_creation_fn``
retries a duplicate table, 42P07, and a unique violation, but not the duplicate row type, 42710,
of a table another session has just committed), so a task's first start could exit with
``DuplicateObject: type "run_tags" already exists``. Every Dagster task runs this step before it
execs its server (infra/modules/orchestration/ecs.tf): it loads the instance while holding a
PostgreSQL advisory lock, so one task creates the tables and the others find them. The lock is
a session lock: a task that dies holding it releases it with its connection.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from wikistream_dagster.config import dagster_env

log = logging.getLogger("wikistream.instance_init")

# pg_advisory_lock key of "the Dagster schema is being created" (any constant; ours is fixed).
SCHEMA_LOCK_KEY = 0x5753_4447  # "WSDG"
LOCK_WAIT_S = 300.0  # a creator holds it for seconds; longer means a stuck task
CONNECT_WAIT_S = 120.0  # RDS accepting connections after the tasks start


class InstanceInitError(RuntimeError):
    pass


def storage_url(config: dict[str, Any], env: dict[str, str]) -> str | None:
    """The PostgreSQL URL of an instance config's ``storage``, or None if it is not PostgreSQL.

    ``{env: NAME}`` values are read from ``env`` as Dagster reads them.
    """
    from dagster_postgres.utils import pg_url_from_config

    postgres = (config.get("storage") or {}).get("postgres")
    if postgres is None:
        return None

    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"env"}:
            if value["env"] not in env:
                raise InstanceInitError(
                    f"the instance config reads ${value['env']}, which is not set: the task "
                    "definition must provide it (infra/modules/orchestration/ecs.tf)"
                )
            return env[value["env"]]
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        return value

    return pg_url_from_config(resolve(postgres))


def _connect(url: str):
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    deadline, wait = time.monotonic() + CONNECT_WAIT_S, 1.0
    while True:
        try:
            return engine, engine.connect()
        except sqlalchemy.exc.OperationalError as exc:
            if time.monotonic() + wait > deadline:
                raise InstanceInitError(
                    f"cannot reach the Dagster database after {CONNECT_WAIT_S:.0f} s: "
                    f"{str(exc.orig).strip()}; check DAGSTER_PG_HOST and the tasks' security "
                    "group rule to RDS"
                ) from exc
            log.warning("Dagster database not reachable yet (%s); retrying", exc.orig)
            time.sleep(wait)
            wait = min(wait * 2, 10.0)


def _lock(conn) -> None:
    import sqlalchemy

    query = sqlalchemy.text("SELECT pg_try_advisory_lock(:key)")
    deadline, announced = time.monotonic() + LOCK_WAIT_S, False
    while not conn.execute(query, {"key": SCHEMA_LOCK_KEY}).scalar():
        if time.monotonic() > deadline:
            raise InstanceInitError(
                f"another Dagster task has held the schema lock for {LOCK_WAIT_S:.0f} s: find "
                f"the session holding pg advisory lock {SCHEMA_LOCK_KEY} (pg_locks) and stop it"
            )
        if not announced:
            log.info("another Dagster task is creating the schema; waiting for it")
            announced = True
        time.sleep(0.2)


def init_instance(home: Path, env: dict[str, str]) -> None:
    """Load the instance in ``home`` (creating missing tables) under the schema lock; ``env``:
    the variables its config reads (``config.dagster_env()``)."""
    from dagster import DagsterInstance

    config = yaml.safe_load((home / "dagster.yaml").read_text()) or {}
    url = storage_url(config, env)
    if url is None:  # not PostgreSQL: nothing shared to create
        DagsterInstance.from_config(str(home)).dispose()
        return
    engine, conn = _connect(url)
    try:
        _lock(conn)
        started = time.monotonic()
        DagsterInstance.from_config(str(home)).dispose()
        log.info("Dagster schema ready in %.1f s", time.monotonic() - started)
    finally:
        conn.close()  # ends the session: releases the lock
        engine.dispose()


def main() -> int:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    env = dagster_env()
    home = env.get("DAGSTER_HOME")
    if not home:
        log.error("DAGSTER_HOME is not set: the task definition must set it")
        return 2
    try:
        init_instance(Path(home), env)
    except InstanceInitError as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
