"""The report drawn in a process of its own, started as `caremode evaluate` starts, so that
loading what draws it (WeasyPrint with its fonts and Pango, about 1.1 s; vl-convert's JavaScript
engine, about 0.8 s) happens while the extract is checked and counted rather than after.

The drawing is the same `report.render` on the same results: the command hands them over
(pickled, through the process's standard input, with the folder to draw into) once they are
complete, and waits for the process to finish. Only a fresh command-line process does this
(`caremode.cli`); a process that evaluates several times (the tests, the app) draws in-process,
where those libraries stay loaded after the first time.

Run as `python -m caremode.evaluation.report_process`: it loads and warms the libraries,
reads one `(folder, results)` pickle from standard input, writes report.html and report.pdf
into the folder and exits 0; on any error it prints the traceback and exits 1. Nothing arrives
(the command stopped early: bad input, a refused folder), it exits 0 having written nothing.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# A chart and a page as small as can be, drawn once to load the engines and fonts.
_TINY_CHART = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"x": 1}]},
    "mark": "point",
    "encoding": {"x": {"field": "x", "type": "quantitative"}},
    "config": {"font": "DejaVu Sans"},
}
_TINY_PAGE = '<html lang="en-GB"><body style="font-family: \'DejaVu Sans\'">.</body></html>'
SHOWN_ERROR_LINES = 20


class ReportError(Exception):
    """The report process failed; the message ends with its traceback."""


class ReportProcess:
    """A started report process, waiting for the results (`draw`), or stopped (`stop`)."""

    def __init__(self) -> None:
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter and this module
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
        )

    def draw(self, results: dict[str, Any], folder: Path) -> None:
        """Draw report.html and report.pdf of `results` into `folder`, and wait for them.
        Raises ReportError if the process fails."""
        self._process.communicate(pickle.dumps((str(folder), results)))
        if self._process.returncode != 0:
            self._errors.seek(0)
            lines = self._errors.read().decode("utf-8", errors="replace").splitlines()
            raise ReportError(
                f"The report could not be drawn (exit code {self._process.returncode}):\n"
                + "\n".join(lines[-SHOWN_ERROR_LINES:])
            )

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """End the process if it is still waiting (the command stopped before drawing)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._errors.close()


@contextmanager
def report_process() -> Iterator[ReportProcess]:
    """A report process for the duration of the block; ended on leaving it, whatever
    happened."""
    started = ReportProcess()
    try:
        yield started
    finally:
        started.stop()


def _warm_up() -> None:
    """Load and exercise vl-convert (in a thread: its engine starts outside the interpreter's
    lock) and WeasyPrint at the same time."""
    import vl_convert

    charts = threading.Thread(target=vl_convert.vegalite_to_svg, args=(_TINY_CHART,))
    charts.start()
    from weasyprint import HTML

    HTML(string=_TINY_PAGE).write_pdf()
    # The report itself (Jinja2, its templates' helpers), imported while the chart engine starts.
    import caremode.evaluation.report  # noqa: F401

    charts.join()


def main() -> None:
    _warm_up()
    request = sys.stdin.buffer.read()
    if not request:
        return
    folder, results = pickle.loads(request)  # noqa: S301 - sent by the parent process
    from caremode.evaluation.report import render

    render(results, [], Path(folder))


if __name__ == "__main__":
    main()
