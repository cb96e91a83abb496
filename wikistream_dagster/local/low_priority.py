"""Run a command at a lower CPU priority than the services, also across sessions.

``python -m wikistream_dagster.local.low_priority N -- cmd ...`` starts a session of its own,
sets ``nice N`` on it and on its autogroup, then becomes ``cmd`` (same pid, so whoever started
it can still signal and wait for it). Linux's autogroup scheduling, on by default, divides the
CPU between sessions before nice applies inside one; the bronze stream runs in a session of
its own, so a batch job merely niced in the Dagster worker's session would still get half of
the machine. Unprivileged processes may raise (not lower) their group's nice value.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from wikistream_dagster.local.process import default_stop_signals

AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(niceness: int) -> None:
    """An own session, its autogroup at ``niceness`` and this process ``niceness`` lower."""
    try:
        os.setsid()
    except OSError:  # already a session leader
        pass
    try:
        AUTOGROUP.write_text(str(niceness))
    except OSError:  # no autogroups in this kernel (or not Linux): nice alone then
        pass
    os.nice(niceness)  # relative, as nice(1) does; the kernel stops at 19


def main(argv: list[str]) -> None:
    niceness, sep, *cmd = argv
    if sep != "--" or not cmd:
        raise SystemExit("usage: python -m wikistream_dagster.local.low_priority N -- cmd ...")
    lower_priority(int(niceness))
    default_stop_signals()  # a run worker may ignore them: the job must stop with its run
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
