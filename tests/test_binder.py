"""The Binder environment, checked as far as this machine allows.

conda's own solve cannot run here (no conda channels are reachable), so this installs
environment.yml's pip packages, exactly as pinned, into a fresh virtual environment, runs
`pip check`, applies postBuild, and executes every chapter there with nbclient in live mode.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv

import pytest

from .conftest import ROOT
from .test_book import CHAPTERS

pytestmark = pytest.mark.slow

EXECUTE = """
import sys, jupytext, nbclient
for path in sys.argv[1:]:
    nb = jupytext.read(path)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": "book"}}).execute()
    kinds = {o.output_type for c in nb.cells if c.cell_type == "code" for o in c.outputs}
    assert "error" not in kinds, path
    print("executed", path)
"""


def _run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, **kw)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_environment_installs_checks_and_runs_the_chapters(tmp_path):
    env_dir = tmp_path / "binder-env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    text = (ROOT / "environment.yml").read_text()
    packages = re.findall(r"^\s+- (\S+==\S+)\s*$", text, re.M)
    assert packages
    _run([python, "-m", "pip", "install", "--quiet", *packages, "-e", "."])
    _run([python, "-m", "pip", "check"])

    env = {
        **os.environ,
        "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}",
        "IMIQUIMOD_EXPLORER_MODE": "live",
    }
    _run(["bash", "postBuild"], env=env)
    overrides = env_dir / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    viewers = json.loads(overrides.read_text())["@jupyterlab/docmanager-extension:plugin"]
    assert viewers["defaultViewers"]["markdown"] == "Jupytext Notebook"

    extensions = subprocess.run(
        [str(env_dir / "bin" / "jupyter"), "labextension", "list"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    listing = extensions.stdout + extensions.stderr
    assert re.search(r"jupyterlab-myst v2\.7\.0 \S*enabled\S* \S*OK", listing), listing
    assert "not compatible" not in listing and "X" not in listing.split(), listing

    out = _run([python, "-c", EXECUTE, *map(str, CHAPTERS)], env=env)
    assert out.count("executed") == len(CHAPTERS)
    assert sys.executable != python
