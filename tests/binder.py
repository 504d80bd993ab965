"""A Binder-like checkout and a real JupyterLab on it, for the tests and the benchmark.

conda's solver cannot run here, so :func:`binder_checkout` does what repo2docker does
without conda: copy the repository's files (as a fresh clone has them), install
environment.yml's pinned pip packages, with constraints.txt, into a fresh virtual
environment (with uv, which installs the same locked set as pip in seconds; ``pip check``
then checks it), and run postBuild in the copy. :func:`jupyterlab` then serves that copy,
as Binder does, on this machine's loopback address only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "imiquimod-test"
#: JavaScript: true once every code cell of the open notebook has run and the kernel idles.
RUN_ALL_DONE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.sessionContext.session) return false;
  const kernel = panel.sessionContext.session.kernel;
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  return kernel && kernel.status === 'idle' && code.every(c => c.model.executionCount !== null);
}"""
#: JavaScript: true once the open notebook has a kernel ready.
KERNEL_READY = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!(panel && panel.sessionContext && panel.sessionContext.isReady);
}"""


def _run(cmd: list[str], **kw) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode:
        raise RuntimeError(f"{cmd[:3]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout + result.stderr


def repository_files() -> list[str]:
    """The files a fresh clone has (tracked, plus new files not ignored)."""
    out = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def copy_repository(target: Path) -> list[str]:
    """Copy the files a fresh clone has into ``target``; return their names."""
    files = repository_files()
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return files


def environment_pins() -> list[str]:
    """environment.yml's pinned pip packages."""
    text = (ROOT / "environment.yml").read_text()
    return re.findall(r"^\s+- (\S+==\S+)\s*$", text, re.M)


def binder_checkout(workdir: Path) -> tuple[Path, dict[str, str], list[str]]:
    """A copy of the repository in ``workdir/repo`` with environment.yml installed in a
    fresh venv and postBuild run; returns the copy, the environment to run it with and the
    repository's files as copied."""
    repo, env_dir = workdir / "repo", workdir / "env"
    files = copy_repository(repo)
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    constraints = ["--constraint", str(repo / "constraints.txt")]
    uv = str(Path(sys.executable).parent / "uv")  # the same locked set pip would install
    install = [uv, "pip", "install", "--quiet", "--python", python, *constraints]
    _run([*install, *environment_pins(), "-e", str(repo)])
    _run([python, "-m", "pip", "check"])
    env = {
        **os.environ,
        "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(env_dir),
        "JUPYTER_CONFIG_DIR": str(workdir / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(workdir / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "jupyter-runtime"),
    }
    env.pop("IMIQUIMOD_EXPLORER_MODE", None)
    _run(["bash", "postBuild"], cwd=repo, env=env)
    return repo, env, files


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(repo: Path, env: dict[str, str]) -> Iterator[str]:
    """JupyterLab serving ``repo`` on the loopback address; yields its base URL."""
    port = _free_port()
    command = [
        str(Path(env["VIRTUAL_ENV"]) / "bin" / "jupyter"),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.token={TOKEN}",
        f"--ServerApp.root_dir={repo}",
        "--LabApp.expose_app_in_browser=True",  # lets a test run JupyterLab's own commands
    ]
    log = open(repo.parent / "jupyterlab.log", "w")
    server = subprocess.Popen(command, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(
                "JupyterLab did not start: " + (repo.parent / "jupyterlab.log").read_text()
            )
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def launch_path(site: Path, chapter: str) -> str:
    """The JupyterLab path the built page's Binder launch button opens (``lab/tree/...``)."""
    html = (site / "book" / f"{chapter}.html").read_text()
    match = re.search(r"mybinder\.org/v2/gh/[^\"?]+\?urlpath=(lab/tree/[^\"&]+)", html)
    if not match:
        raise ValueError(f"no Binder launch button on {chapter}.html")
    return match[1]
