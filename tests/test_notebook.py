"""The seminar notebook (docs/teaching/seminar.ipynb) runs top to bottom in a fresh kernel."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "teaching" / "seminar.ipynb"


@pytest.fixture(scope="module")
def executed(monkeypatch_module):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    return nb


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEMINAR_REPLICATES", "60")  # small: the point is that every cell runs
        yield mp


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_every_cell_runs(executed):
    errors = [o for o in _outputs(executed) if o["output_type"] == "error"]
    assert errors == []
    assert all(c.get("execution_count") for c in executed.cells if c.cell_type == "code")


def test_the_notebook_shows_its_figures_and_the_curve(executed):
    images = [o for o in _outputs(executed) if "image/png" in o.get("data", {})]
    assert len(images) == 2
    text = "".join(o.get("text", "") for o in _outputs(executed) if o.get("name") == "stdout")
    assert "60 paired runs per lag" in text
    assert "The two runs part in week" in text
    assert "of which the late envoy simply came too late" in text


def test_the_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert os.path.exists(NOTEBOOK.parent / "answers.md")
