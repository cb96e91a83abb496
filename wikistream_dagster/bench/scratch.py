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


def processes_mentioning(text: str) -> dict[int, str]:
    """pid -> command line of the processes whose command line or environment contains
    ``text`` (a scratch state directory is unique, so this finds exactly the processes of one
    benchmark run, also those that only get it from ``WIKISTREAM_STATE_DIR``)."""
    out, needle = {}, text.encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes()
            found = needle in cmd or needle in (proc / "environ").read_bytes()
        except OSError:
            continue
        if found and int(proc.name) != os.getpid():
            out[int(proc.name)] = cmd.replace(b"\0", b" ").decode(errors="replace")
    return out


def root_processes(pids: set[int]) -> set[int]:
    """The members of ``pids`` whose parent is not a member (one per process tree)."""
    parents = _parents()
    return {p for p in pids if parents.get(p) not in pids}
