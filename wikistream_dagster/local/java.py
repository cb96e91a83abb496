"""Find Java 17 and Maven, or say exactly how to install them."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

from wikistream_dagster.config import cli_defaults


class JavaError(RuntimeError):
    pass


@functools.cache
def java_executable() -> str:
    """Path of a Java 17+ ``java``; JAVA_HOME wins over PATH."""
    home = cli_defaults().java_home
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise JavaError("Java 17 not found: install openjdk-17-jre-headless (or set JAVA_HOME)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):
        major = int(m.group(2))
    if major < 17:
        raise JavaError(
            f"Java 17 required, found Java {major} at {java}: install openjdk-17-jre-headless "
            "and put it first on PATH (or set JAVA_HOME)"
        )
    return java
