"""A real JupyterLab server for the notebook tests: on 127.0.0.1 with a random token, in a folder
of its own, kept from the internet; and notebooks written for it to open."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def jupyterlab(root: Path, log: Path):
    """``jupyter lab`` serving ``root`` on 127.0.0.1 with a random token, kept from the
    internet (no news, no update check, a read-only extension manager); yields (url, token)."""
    token = secrets.token_hex(16)
    home = root.parent / (root.name + "-jupyter")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_PLATFORM_DIRS": "1",
           "IPYTHONDIR": str(home / "ipython")}
    # no "Would you like to get notified about official Jupyter news?" over the notebook
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'ws'}"]
    with open(log, "w") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        url = _wait_for_url(proc, log, token)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_url(proc, log: Path, token: str, timeout: float = 60) -> str:
    """The server's URL, from the line it logs once it listens; then checked to answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"(http://127\.0\.0\.1:\d+)/lab", log.read_text())
        if match:
            url = match.group(1)
            answer = httpx.get(f"{url}/api/status", headers={"Authorization": f"token {token}"})
            if answer.status_code == 200:
                return url
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"jupyter lab did not start: {log.read_text()[-2000:]}")


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code ``cells``, for the server to open."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.write_text(json.dumps(nb))
    return path
