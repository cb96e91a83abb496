"""What ECS on Fargate starts, built from the Dockerfile and the Terraform task definition.

``Image`` is what the Dockerfile leaves in the image config (ENTRYPOINT, CMD, USER, WORKDIR, ENV,
VOLUME) plus the users and directories its RUN lines create. ``container_spec`` applies ECS's
rules to one container definition: ``entryPoint`` replaces ENTRYPOINT (and drops the image CMD),
``command`` replaces CMD and is appended to the entry point, ``environment`` and ``secrets`` are
laid over the image ENV, ``user`` overrides USER. ``fargate_mounts`` says who owns each mount
point when the task starts: a bind mount (``volume {}`` without a host) is created by Fargate
(platform 1.4) as root:root 0755, unless the image declares the path a VOLUME, in which case
the image's directory (owner and mode) is copied into it; an EFS access point's directory has
the access point's owner and permissions.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

# python:3.11-slim's own config, which our images start FROM.
BASE_IMAGES = {
    "python:3.11-slim": {
        "env": {
            "PATH": "/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
        },
        "cmd": ["python3"],
        "dirs": {"/tmp": ("root", 0o1777)},
    }
}


@dataclass(frozen=True)
class Image:
    """The parts of an image's config that decide how its container starts."""

    entrypoint: list[str]
    cmd: list[str]
    user: str
    workdir: str
    env: dict[str, str]
    volumes: list[str]
    users: dict[str, int]  # name -> uid, from `useradd --uid`
    dirs: dict[str, tuple[str, int]]  # path -> (owner, mode), from `install -d` (and the base)
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # COPY sources -> dest

    def uid(self, user: str | None = None) -> int:
        name = user or self.user
        if name.isdigit():
            return int(name)
        return 0 if name == "root" else self.users[name]


def _exec_form(arg: str) -> list[str]:
    arg = arg.strip()
    if arg.startswith("["):
        return json.loads(arg)
    return ["/bin/sh", "-c", arg]


def _logical_lines(text: str) -> list[str]:
    lines, buf = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        lines.append(buf + line)
        buf = ""
    return lines


def _expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)


def _run_effects(command: str, env: dict, users: dict, dirs: dict) -> None:
    """Users and directories a RUN line makes (`useradd --uid`, `install -d -o -m`)."""
    for part in re.split(r"&&|;", command):
        words = shlex.split(_expand(part, env))
        if not words:
            continue
        if words[0] == "useradd" and "--uid" in words:
            users[words[-1]] = int(words[words.index("--uid") + 1])
        if words[0] == "install" and "-d" in words:
            owner, mode, paths, i = "root", 0o755, [], 1
            while i < len(words):
                if words[i] in ("-o", "--owner"):
                    owner, i = words[i + 1], i + 2
                elif words[i] in ("-m", "--mode"):
                    mode, i = int(words[i + 1], 8), i + 2
                elif words[i] in ("-g", "--group"):
                    i += 2
                elif words[i].startswith("-"):
                    i += 1
                else:
                    paths.append(words[i])
                    i += 1
            for path in paths:
                dirs[path.rstrip("/") or "/"] = (owner, mode)


def parse_dockerfile(path: Path) -> Image:
    """Read a Dockerfile (the instructions our images use) into its final image config."""
    base: dict = {}
    env: dict[str, str] = {}
    entrypoint: list[str] = []
    cmd: list[str] = []
    user, workdir = "root", "/"
    volumes: list[str] = []
    users: dict[str, int] = {}
    dirs: dict[str, tuple[str, int]] = {}
    copies: list[tuple[list[str], str]] = []
    for line in _logical_lines(path.read_text()):
        instruction, _, arg = line.partition(" ")
        instruction, arg = instruction.upper(), arg.strip()
        if instruction == "FROM":
            base = BASE_IMAGES[arg.split()[0]]
            env, cmd, dirs = dict(base["env"]), list(base["cmd"]), dict(base["dirs"])
        elif instruction == "ENV":
            for word in shlex.split(arg):
                key, _, value = word.partition("=")
                env[key] = _expand(value, env)
        elif instruction == "WORKDIR":
            workdir = str(Path(workdir) / _expand(arg, env))
        elif instruction == "USER":
            user = arg
        elif instruction == "VOLUME":
            volumes += json.loads(arg) if arg.startswith("[") else arg.split()
        elif instruction == "ENTRYPOINT":
            entrypoint = _exec_form(arg)
            cmd = []  # Docker resets a CMD inherited from the base image
        elif instruction == "CMD":
            cmd = _exec_form(arg)
        elif instruction == "RUN":
            _run_effects(arg, env, users, dirs)
        elif instruction == "COPY":
            *sources, dest = shlex.split(arg)
            copies.append((sources, dest if dest.startswith("/") else f"{workdir}/{dest}"))
    return Image(entrypoint, cmd, user, workdir, env, volumes, users, dirs, copies)


@dataclass(frozen=True)
class ContainerSpec:
    """One container as ECS starts it."""

    argv: list[str]
    env: dict[str, str]
    uid: int
    workdir: str
    readonly_root: bool
    mount_points: list[dict]


def container_spec(image: Image, container: dict, secrets: dict[str, str]) -> ContainerSpec:
    """Apply ECS's rules to a container definition (``secrets``: name -> resolved value)."""
    if "entryPoint" in container:
        entrypoint, cmd = list(container["entryPoint"]), []
    else:
        entrypoint, cmd = list(image.entrypoint), list(image.cmd)
    if "command" in container:
        cmd = list(container["command"])
    env = dict(image.env)
    env.update({item["name"]: item["value"] for item in container.get("environment", [])})
    for item in container.get("secrets", []):
        env[item["name"]] = secrets[item["name"]]
    return ContainerSpec(
        argv=entrypoint + cmd,
        env=env,
        uid=image.uid(container.get("user")),
        workdir=container.get("workingDirectory", image.workdir),
        readonly_root=bool(container.get("readonlyRootFilesystem", False)),
        mount_points=list(container.get("mountPoints", [])),
    )


def fargate_mounts(
    image: Image, spec: ContainerSpec, efs_owner: dict[str, tuple[int, int]] | None = None
) -> dict[str, tuple[int, int]]:
    """containerPath -> (uid, mode) of each mount point when the task starts.

    ``efs_owner``: sourceVolume -> (uid, mode) of EFS access points' root directories.
    """
    out = {}
    for mount in spec.mount_points:
        path, source = mount["containerPath"], mount["sourceVolume"]
        if efs_owner and source in efs_owner:
            out[path] = efs_owner[source]
        elif path in image.volumes and path in image.dirs:
            owner, mode = image.dirs[path]
            out[path] = (image.uid(owner), mode)
        else:
            out[path] = (0, 0o755)
    return out
