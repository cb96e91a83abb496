"""Fetch and cache the JVM jars the local stack needs, from Maven Central, with Maven.

Each *bundle* is a list of Maven coordinates resolved (with their transitive dependencies, minus
exclusions) into ``<cache>/jars/<bundle>/``. A stamp file keyed by the bundle's definition makes
the fetch idempotent: a second call costs nothing.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Artifact:
    group: str
    artifact: str
    version: str
    classifier: str = ""
    transitive: bool = True
    exclusions: tuple[str, ...] = ()  # "group:artifact", "*" wildcards allowed by Maven
    # What Maven resolves transitively beside this jar (minus exclusions): not part of the POM,
    # it names the jars up front (EMR's spark.jars); tests compare it with what Maven resolves.
    brings: tuple[Artifact, ...] = ()

    @property
    def jar(self) -> str:
        """The file name Maven copies this artifact to."""
        classifier = f"-{self.classifier}" if self.classifier else ""
        return f"{self.artifact}-{self.version}{classifier}.jar"


@dataclass(frozen=True)
class Bundle:
    name: str
    artifacts: tuple[Artifact, ...]
    notes: str = ""

    def pom(self) -> str:
        deps = []
        for a in self.artifacts:
            excl = list(a.exclusions) if a.transitive else ["*:*"]
            excl_xml = "".join(
                f"<exclusion><groupId>{e.split(':')[0]}</groupId>"
                f"<artifactId>{e.split(':')[1]}</artifactId></exclusion>"
                for e in excl
            )
            classifier = f"<classifier>{a.classifier}</classifier>" if a.classifier else ""
            deps.append(
                f"<dependency><groupId>{a.group}</groupId><artifactId>{a.artifact}</artifactId>"
                f"<version>{a.version}</version>{classifier}"
                f"<exclusions>{excl_xml}</exclusions></dependency>"
            )
        return (
            '<project xmlns="http://maven.apache.org/POM/4.0.0">'
            "<modelVersion>4.0.0</modelVersion><groupId>wikistream.local</groupId>"
            f"<artifactId>bundle-{self.name}</artifactId><version>1</version>"
            f"<packaging>pom</packaging><dependencies>{''.join(deps)}</dependencies></project>\n"
        )

    def jar_names(self) -> tuple[str, ...]:
        """The jar files the bundle resolves to (each artifact, then what it brings)."""
        return tuple(j.jar for a in self.artifacts for j in (a, *a.brings))

    def digest(self) -> str:
        return hashlib.sha256(self.pom().encode()).hexdigest()[:16]


KAFKA = Bundle(
    "kafka",
    (
        Artifact("org.apache.kafka", "kafka_2.13", "3.9.1"),
        Artifact("org.apache.kafka", "kafka-tools", "3.9.1"),
        Artifact("org.slf4j", "slf4j-reload4j", "1.7.36"),
    ),
    notes="Apache Kafka 3.9.1 broker (KRaft) and its tools, about 56 MB",
)


class MavenError(RuntimeError):
    """Maven is missing or could not resolve a bundle; the message says what to do."""


def mvn_executable() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise MavenError("Maven not found: install it (apt-get install -y maven) and retry")
    return mvn


def ensure_bundle(bundle: Bundle, jars_dir: Path) -> Path:
    """Resolve ``bundle`` into ``jars_dir/<name>/lib`` unless already cached; return that dir."""
    home = jars_dir / bundle.name
    lib = home / "lib"
    stamp = home / f".resolved-{bundle.digest()}"
    if stamp.exists() and lib.is_dir():
        return lib
    home.mkdir(parents=True, exist_ok=True)
    (home / "pom.xml").write_text(bundle.pom())
    if lib.exists():
        shutil.rmtree(lib)
    log.info(
        "fetching jar bundle from Maven Central",
        extra={"bundle": bundle.name, "what": bundle.notes, "dest": str(lib)},
    )
    cmd = [
        mvn_executable(),
        "-B",
        "-q",
        "-f",
        str(home / "pom.xml"),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
        "-DincludeScope=runtime",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise MavenError(
            f"Maven could not fetch bundle '{bundle.name}' (exit {proc.returncode}); "
            f"check access to Maven Central. Last lines:\n{tail}"
        )
    for old in home.glob(".resolved-*"):
        old.unlink()
    stamp.touch()
    jars = sorted(lib.glob("*.jar"))
    size_mb = sum(j.stat().st_size for j in jars) / 1e6
    log.info(
        "jar bundle ready", extra={"bundle": bundle.name, "jars": len(jars), "mb": round(size_mb)}
    )
    return lib


def classpath(lib: Path) -> str:
    """A JVM classpath for every jar in ``lib``."""
    return str(lib / "*")
