#!/usr/bin/env python3
"""Runs examples/memory_performance_analysis.ipynb headless, top to bottom,
with this interpreter as its kernel (whatever `python3` on the PATH is) and
this PYTHONPATH, and writes the executed notebook into OUT_DIR (default
out/notebook), beside the files the notebook itself writes there.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/run_notebook.py [OUT_DIR]

Exits 1 with the failing cell's traceback on any cell error.
"""

import json
import os
import pathlib
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "memory_performance_analysis.ipynb"


def run(out_dir) -> tuple[nbformat.NotebookNode, float]:
    """The executed notebook and its run time; CellExecutionError on a cell error."""
    out_dir = pathlib.Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as jp:
        spec = pathlib.Path(jp) / "kernels" / "ccmem-python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ccmem)", "language": "python",
            "env": {"PYTHONPATH": os.environ.get("PYTHONPATH", ""), "CCMEM_NOTEBOOK_OUT": str(out_dir)},
        }))
        os.environ["JUPYTER_PATH"] = jp
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(nb, kernel_name="ccmem-python3", timeout=120,
                                resources={"metadata": {"path": str(ROOT)}})
        t0 = time.monotonic()
        client.execute()
        took = time.monotonic() - t0
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, out_dir / NOTEBOOK.name)
    return nb, took


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else "out/notebook"
    print(f"notebook: running {NOTEBOOK.relative_to(ROOT)} ...", flush=True)
    try:
        nb, took = run(out)
    except CellExecutionError as e:
        print(f"notebook: a cell failed:\n{e}", file=sys.stderr)
        return 1
    plots = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if "image/png" in o.get("data", {}))
    print(f"notebook: ran in {took:.1f} s, {plots} plots; executed copy and reports in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
