"""Start one container the way Fargate does, inside a private mount namespace (run as root).

Run by ``sandbox.py`` as ``unshare --mount -- python launch.py SPEC.json``. It lays the image's
directories (and COPY'd files) over tmpfs "shadows" of the paths the image owns, makes the root
file system read-only when the task asks for it, mounts each volume with the owner and mode
Fargate gives it, then drops to the image's user with ``setpriv`` and execs the argv with
exactly the container's environment. Standard library only: it runs before anything is set up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys


def sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def main(spec_path: str) -> None:
    spec = json.load(open(spec_path))
    reveal = spec.get("reveal")
    if reveal:
        # The venv's interpreter lives under a directory only root may enter (/root/.pyenv):
        # keep it at its path but under a tmpfs the image's user can traverse.
        keep = os.path.join(os.path.dirname(spec_path), "python-home")
        os.makedirs(keep, exist_ok=True)
        sh("mount", "--bind", reveal["home"], keep)
        sh("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", reveal["blocked"])
        os.makedirs(reveal["home"], exist_ok=True)
        sh("mount", "--bind", keep, reveal["home"])
    for shadow in spec["shadows"]:
        sh("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", shadow)
    for path, (uid, mode) in spec["image_dirs"].items():
        os.makedirs(path, exist_ok=True)
        os.chown(path, uid, uid)
        os.chmod(path, mode)
    for source, dest in spec["copies"]:
        if os.path.isdir(source):
            shutil.copytree(
                source, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(source, dest)
    for mount in spec["mounts"]:
        os.makedirs(mount["path"], exist_ok=True)  # Docker creates missing mount points
    for mount in spec["mounts"]:
        source = mount["source"]
        os.chown(source, mount["uid"], mount["uid"])
        os.chmod(source, mount["mode"])
        sh("mount", "--bind", source, mount["path"])
    if spec["readonly_root"]:
        # Only the root's and the shadows' own mounts: the volumes mounted above stay writable.
        for target in ["/", *spec["shadows"], *([reveal["home"]] if reveal else [])]:
            sh("mount", "-o", "remount,bind,ro", target)
    os.chdir(spec["cwd"])
    uid = str(spec["uid"])
    setpriv = ["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", "--"]
    sys.stdout.flush()
    os.execvpe(setpriv[0], setpriv + spec["argv"], spec["env"])


if __name__ == "__main__":
    main(sys.argv[1])
