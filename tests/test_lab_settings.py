"""JupyterLab's reader settings: what postBuild and `make lab` write into an environment."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

from imiquimod_model.book import lab_settings


def test_settings_land_where_jupyterlab_and_jupyter_server_read_them(tmp_path):
    written = lab_settings.write_settings(tmp_path)
    relative = {p.relative_to(tmp_path).as_posix() for p in written}
    assert relative == {
        "share/jupyter/lab/settings/overrides.json",
        "etc/jupyter/labconfig/page_config.json",
        "etc/jupyter/jupyter_server_config.json",
    }
    overrides = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}


def test_other_settings_in_those_files_are_kept(tmp_path):
    server = tmp_path / "etc/jupyter/jupyter_server_config.json"
    server.parent.mkdir(parents=True)
    server.write_text(json.dumps({"ServerApp": {"port": 9999}, "Other": {"x": 1}}))
    lab_settings.write_settings(tmp_path)
    config = json.loads(server.read_text())
    assert config["ServerApp"]["port"] == 9999 and config["Other"] == {"x": 1}
    assert config["ServerApp"]["kernel_websocket_connection_class"].endswith(
        "PromptKernelConnection"
    )


def test_merged_overlays_at_every_depth():
    old = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    new = {"a": {"c": {"f": 4}}, "e": {"g": 5}}
    assert lab_settings.merged(old, new) == {"a": {"b": 1, "c": {"d": 2, "f": 4}}, "e": {"g": 5}}


def test_the_configured_connection_class_exists():
    """The dotted name in the server configuration names a class in the package (the test
    environment has no jupyter_server to import it; the Binder test runs it for real)."""
    dotted = lab_settings.SERVER_CONFIG["ServerApp"]["kernel_websocket_connection_class"]
    module, name = dotted.rsplit(".", 1)
    source = Path(importlib.util.find_spec(module).origin).read_text()
    classes = {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)}
    assert name in classes
