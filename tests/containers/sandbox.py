"""Run a ``ContainerSpec`` locally as Fargate would: its argv, env, user, mounts, read-only root.

No Docker daemon: the image's Python is the project's venv (its ``bin`` goes first on the image's
PATH), the image's files are the repository's (COPY'd into place), and the paths the image owns
are tmpfs shadows inside a private mount namespace (``unshare --mount``), so nothing on the host
changes. A WORKDIR whose parent does not exist on the host (``/app``) is mapped to a scratch
directory. Needs root (to mount and to drop to the image's uid); tests skip otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.containers.ecs import ContainerSpec, Image

REPO = Path(__file__).resolve().parents[2]
LAUNCH = Path(__file__).with_name("launch.py")
# Host trees a shadow must never hide (the venv and the repository live under /work).
_NEVER_SHADOW = {"/", "/usr", "/etc", "/bin", "/lib", "/lib64", "/sbin", "/work", "/proc", "/dev"}


def missing_tools() -> str | None:
    """Why the sandbox cannot run here, or None."""
    if os.geteuid() != 0:
        return "the container sandbox needs root (mount namespace, setpriv to the image's uid)"
    for tool in ("unshare", "nsenter", "setpriv", "mount"):
        if not shutil.which(tool):
            return f"{tool} is not on the PATH"
    probe = subprocess.run(["unshare", "--mount", "--net", "true"], capture_output=True)
    if probe.returncode != 0:
        return f"unshare is not permitted here: {probe.stderr.decode().strip()}"
    return None


def scratch_dir(prefix: str) -> Path:
    """A world-traversable temp dir outside /tmp (the sandbox mounts its own /tmp)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    path.chmod(0o755)
    return path


def _shadow_for(path: str) -> str | None:
    """The deepest existing ancestor of ``path`` to cover with tmpfs, or None if none may be."""
    current = Path(path)
    while not current.exists():
        current = current.parent
    if str(current) == path:
        return None
    return None if str(current) in _NEVER_SHADOW else str(current)


def _blocked_python() -> dict | None:
    """The interpreter's home and its first ancestor others cannot enter, if there is one."""
    home = Path(sys.base_prefix).resolve()
    for parent in reversed(home.parents):
        if not parent.stat().st_mode & 0o001:
            return {"home": str(home), "blocked": str(parent)}
    return None


def launch(
    image: Image,
    spec: ContainerSpec,
    mounts: dict[str, tuple[int, int]],
    scratch: Path,
    *,
    net_ns_pid: int | None = None,
    log_name: str = "container",
) -> subprocess.Popen:
    """Start the container; its stdout+stderr go to ``scratch/<log_name>.log``."""
    owned = [*image.dirs, *(dest for _, dest in image.copies), *mounts, spec.workdir]
    shadows: list[str] = []
    for path in sorted({p for p in (_shadow_for(p) for p in owned) if p}):
        if not any(path.startswith(s.rstrip("/") + "/") for s in shadows):
            shadows.append(path)

    def placed(path: str) -> str | None:
        """Where an image path lives in the sandbox (None: not reproducible here)."""
        if any(path == s or path.startswith(s + "/") for s in shadows) or Path(path).exists():
            return path
        if path == spec.workdir or path.startswith(spec.workdir + "/"):
            return str(scratch / "rootfs" / path.lstrip("/"))
        return None

    image_dirs = {
        placed(p): (image.uid(owner), mode)
        for p, (owner, mode) in image.dirs.items()
        if placed(p) and p not in mounts and not Path(p).exists()
    }
    image_dirs.setdefault(placed(spec.workdir), (0, 0o755))
    copies = []
    for sources, dest in image.copies:
        target = placed(dest.rstrip("/"))
        if target is None:
            continue  # e.g. /tmp/requirements.txt: used only while building the image
        for source in sources:
            src = REPO / source.rstrip("/")
            copies.append(
                [
                    str(src),
                    target if source.endswith("/") or len(sources) == 1 else f"{target}/{src.name}",
                ]
            )
    volumes = []
    for path, (uid, mode) in mounts.items():
        source = scratch / "volumes" / path.strip("/").replace("/", "_")
        source.mkdir(parents=True)
        volumes.append({"path": path, "source": str(source), "uid": uid, "mode": mode})
    env = dict(spec.env)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    payload = {
        "reveal": _blocked_python(),
        "shadows": shadows,
        "image_dirs": image_dirs,
        "copies": copies,
        "mounts": volumes,
        "readonly_root": spec.readonly_root,
        "cwd": placed(spec.workdir),
        "uid": spec.uid,
        "argv": spec.argv,
        "env": env,
    }
    spec_file = scratch / f"{log_name}.json"
    spec_file.write_text(json.dumps(payload))
    cmd = ["unshare", "--mount", "--propagation", "private", "--", sys.executable, str(LAUNCH)]
    cmd.append(str(spec_file))
    if net_ns_pid is not None:
        cmd = ["nsenter", f"--net=/proc/{net_ns_pid}/ns/net", "--", *cmd]
    log = open(scratch / f"{log_name}.log", "wb")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def volume_dir(scratch: Path, path: str) -> Path:
    """The host directory behind a mounted volume (to read what the container wrote)."""
    return scratch / "volumes" / path.strip("/").replace("/", "_")


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the container's process group (as ECS stops a task), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
