"""A real local PostgreSQL (15) over TLS, as the Dagster tasks reach RDS, in a network namespace."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

# PostgreSQL refuses to run as root, and initdb needs a passwd entry: the system's `nobody`.
PG_UID = pwd.getpwnam("nobody").pw_uid


def pg_bin() -> Path | None:
    """The directory with initdb/postgres (PATH first, then Debian's versioned directories)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    return None


def _as_pg(*cmd: str) -> list[str]:
    uid = str(PG_UID)
    return ["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", "--", *cmd]


class Postgres:
    """PostgreSQL listening on 127.0.0.1:5432 inside ``netns_pid``'s network namespace (TLS on,
    password auth) and on a Unix socket in ``root/sock`` that the test reads through."""

    def __init__(self, root: Path, netns_pid: int, password: str, db: str, user: str) -> None:
        self.root, self.netns_pid = root, netns_pid
        self.password, self.db, self.user = password, db, user
        self.sock = root / "sock"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        bindir = pg_bin()
        data = self.root / "data"
        for path in (self.root / "pg", self.sock, data):
            path.mkdir()
            os.chown(path, PG_UID, PG_UID)
        data.chmod(0o700)
        pwfile = self.root / "pg" / "pw"
        pwfile.write_text(self.password + "\n")
        os.chown(pwfile, PG_UID, PG_UID)
        subprocess.run(
            _as_pg(str(bindir / "initdb"), "-D", str(data), "-U", self.user, "--pwfile",
                   str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"),
            check=True, capture_output=True, cwd=self.root,
        )  # fmt: skip
        key, cert = self.root / "pg" / "server.key", self.root / "pg" / "server.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        for path in (key, cert):
            os.chown(path, PG_UID, PG_UID)
        key.chmod(0o600)
        self.log = open(self.root / "postgres.log", "wb")
        self.proc = subprocess.Popen(
            ["nsenter", f"--net=/proc/{self.netns_pid}/ns/net", "--",
             *_as_pg(str(bindir / "postgres"), "-D", str(data), "-p", "5432",
                     "-c", "listen_addresses=127.0.0.1",
                     "-c", f"unix_socket_directories={self.sock}",
                     "-c", "ssl=on", "-c", f"ssl_cert_file={cert}", "-c", f"ssl_key_file={key}",
                     "-c", "fsync=off")],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with closing(self.connect("postgres")) as conn:
                    conn.cursor().execute(f'CREATE DATABASE "{self.db}"')
                return
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(
                        f"PostgreSQL did not start: {(self.root / 'postgres.log').read_text()}"
                    ) from None
                time.sleep(0.3)

    def connect(self, db: str | None = None):
        import psycopg2

        conn = psycopg2.connect(host=str(self.sock), port=5432, user=self.user,
                                dbname=db or self.db)  # fmt: skip
        conn.autocommit = True
        return conn

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=30)


@contextmanager
def network_namespace() -> Iterator[int]:
    """A network namespace of its own (awsvpc: ports are the task's own); yields the pid of the
    process holding it. Skips the test where the container sandbox cannot run."""
    import pytest

    from tests.containers import sandbox

    reason = sandbox.missing_tools()
    if reason:
        pytest.skip(reason)
    holder = subprocess.Popen(
        ["unshare", "--net", "--", "sh", "-c", "ip link set lo up && exec sleep 3600"],
        start_new_session=True,
    )
    time.sleep(0.3)
    try:
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


@contextmanager
def dagster_database(netns_pid: int, password: str) -> Iterator[Postgres]:
    """PostgreSQL in ``netns_pid``'s namespace with an empty ``dagster`` database, as the Dagster
    tasks reach RDS (TLS, password); skips the test where PostgreSQL or openssl is missing."""
    import pytest

    from tests.containers import sandbox

    if pg_bin() is None:
        pytest.skip("PostgreSQL (initdb, postgres) is not installed: apt-get install postgresql")
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed (the instance config requires TLS to PostgreSQL)")
    root = sandbox.scratch_dir("dagster-pg-")
    pg = Postgres(root, netns_pid, password, db="dagster", user="dagster")
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
