"""Runs every ```python block of docs/python.md, in order, in one namespace."""

import os
import re

from conftest import ROOT

DOC = ROOT / "docs" / "python.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_docs_python_md_examples_run(tmp_path, monkeypatch):
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 7, "docs/python.md lost its examples"
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_python_md"}
    for i, block in enumerate(blocks):
        code = compile(block, f"{DOC}:block{i + 1}", "exec")
        exec(code, namespace)  # noqa: S102 - the documentation's own examples
    assert os.path.isfile("out/report/report.html")
