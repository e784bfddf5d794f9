"""The README's commands and Python examples work as written."""

import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def test_readme_has_one_install_and_one_test_command():
    assert len(re.findall(r"^python -m pip install .*# install$", TEXT, flags=re.M)) == 1
    assert len(re.findall(r"^python -m pytest.*# test$", TEXT, flags=re.M)) == 1


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(code):
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})


def test_main_job_command_is_documented_and_runs(tmp_path):
    assert re.search(r"^acsi demo$", TEXT, flags=re.M)
    out = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "acsi", "demo", "--out", str(out), "--bootstrap", "200", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "data:image/png;base64" in html
