"""Helpers the whole-stack benchmarks share: a scratch state directory on free ports, and the
process tree of a service (to measure it or to kill it without warning)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from wikistream_dagster.config import Settings, child_env, load_settings
from wikistream_dagster.local.process import on_free_ports


def scratch_stack(settings: Settings, prefix: str) -> tuple[Path, dict[str, str], Settings]:
    """A fresh state directory, the environment that points every service at it (free ports,
    the shared jar cache) and the settings read from that environment."""
    state = Path(tempfile.mkdtemp(prefix=prefix))
    env = child_env(WIKISTREAM_STATE_DIR=str(state), WIKISTREAM_CACHE_DIR=str(settings.cache_dir))
    scratch = on_free_ports(load_settings(env))
    return state, env | scratch.to_env(), scratch


def _parents() -> dict[int, int]:
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            out[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return out


def descendants(roots: set[int]) -> set[int]:
    """``roots`` and every process below them (e.g. spark-submit and its JVM)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    out, todo = set(), [r for r in roots if r and r > 1]  # never the whole machine
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo += children.get(pid, [])
    return out


def process_table(text: str) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of the processes whose command line or environment
    contains ``text`` (a scratch state directory is unique, so this finds exactly the processes
    of one benchmark run, also those that only get it from ``WIKISTREAM_STATE_DIR``), read in
    one pass: parents read later would miss the short-lived ones."""
    out, needle = {}, text.encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes()
            if needle not in cmd and needle not in (proc / "environ").read_bytes():
                continue
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if int(proc.name) != os.getpid():
            out[int(proc.name)] = (
                ppid,
                cmd.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace"),
            )
    return out


def processes_mentioning(text: str) -> dict[int, str]:
    """pid -> command line of the processes of :func:`process_table`."""
    return {pid: cmd for pid, (_ppid, cmd) in process_table(text).items()}


SPARK_SUBMIT = "org.apache.spark.deploy.SparkSubmit"
SPARK_LAUNCHER = "org.apache.spark.launcher.Main"


def spark_drivers(table: dict[int, tuple[int, str]], script: str) -> set[int]:
    """The driver JVMs running ``script``: one pid per Spark job, whatever else carries the
    script's name in its command line: spark-submit's bash stages and its launcher JVM (before
    the driver exists, the same pid then execs java) and the driver's own short-lived forks
    (Hadoop's shell commands show the JVM's command line until they exec)."""
    jvms = {
        pid
        for pid, (_ppid, cmd) in table.items()
        if script in cmd
        and SPARK_SUBMIT in cmd
        and SPARK_LAUNCHER not in cmd
        and Path(cmd.split(" ", 1)[0]).name == "java"
    }
    return {pid for pid in jvms if table[pid][0] not in jvms}
