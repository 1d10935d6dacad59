"""The project installs as a package: every sub-package is listed, conf/ ships inside it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import run_subprocess

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "rl_evolve").rglob("__init__.py")}
    conf = ROOT / "conf"
    found |= {"rl_evolve.envs"} | {
        ".".join(("rl_evolve.conf", *p.parent.relative_to(conf).parts))
        for p in conf.rglob("*.yaml")
        if p.parent != conf
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.xdist_group("installed_site")
def test_conf_is_found_from_a_plain_install_used_elsewhere(tmp_path, installed_site):
    """`pip install .` (not editable), then the CLI composes its config from another folder."""
    target = installed_site
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plain = {"PYTHONPATH": str(target)}
    result = run_subprocess("--cfg", "job", "env=lunarlander", cwd=elsewhere, env=plain, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "id: LunarLander-v3" in result.stdout
    import_path = subprocess.run(
        [sys.executable, "-c", "import rl_evolve; print(rl_evolve.__file__)"],
        cwd=elsewhere,
        env={**os.environ, **plain},
        capture_output=True,
        text=True,
    ).stdout
    assert import_path.startswith(str(target))
