"""JupyterLab set up for the book's readers, on Binder (postBuild) and locally (``make lab``).

``python -m imiquimod_model.book.lab_settings`` writes, into the running Python's
environment (``sys.prefix``), the settings that JupyterLab and jupyter_server read there:

- MyST Markdown files (the chapters' sources) open as notebooks, through jupytext;
- no news is fetched from the internet;
- no per-cell toolbar (in JupyterLab 4.5 it throws "Cannot read properties of undefined" on
  every MyST-rendered Markdown cell, and a reader has no use for it);
- kernel messages reach the browser at once (:mod:`.kernel_socket`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: JupyterLab's settings overrides, ``share/jupyter/lab/settings/overrides.json``.
OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    },
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}
#: JupyterLab's page configuration, ``etc/jupyter/labconfig/page_config.json``.
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/cell-toolbar-extension": True}}
#: jupyter_server's configuration, ``etc/jupyter/jupyter_server_config.json`` (the files in
#: ``jupyter_server_config.d`` only enable extensions).
SERVER_CONFIG = {
    "ServerApp": {
        "kernel_websocket_connection_class": (
            "imiquimod_model.book.kernel_socket.PromptKernelConnection"
        )
    }
}


def settings_files(prefix: Path) -> dict[Path, dict]:
    """The settings files for an environment at ``prefix``, with their contents."""
    return {
        prefix / "share/jupyter/lab/settings/overrides.json": OVERRIDES,
        prefix / "etc/jupyter/labconfig/page_config.json": PAGE_CONFIG,
        prefix / "etc/jupyter/jupyter_server_config.json": SERVER_CONFIG,
    }


def merged(old: dict, new: dict) -> dict:
    """``old`` with ``new``'s settings laid over it, key by key at every depth."""
    out = dict(old)
    for key, value in new.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if both else value
    return out


def write_settings(prefix: Path) -> list[Path]:
    """Write :func:`settings_files` under ``prefix``, keeping any other settings the files
    already hold; return the paths written."""
    files = settings_files(prefix)
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(merged(old, content), indent=2) + "\n")
    return list(files)


if __name__ == "__main__":
    for written in write_settings(Path(sys.prefix)):
        print(f"wrote {written}")
