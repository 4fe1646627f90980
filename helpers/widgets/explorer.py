"""A control, a one-line verdict and a figure that is recomputed whenever the control moves.

Subclass :class:`Explorer` and write three methods:

- ``compute(value)`` -> a state (everything the figure and the verdict need);
- ``describe(state)`` -> the verdict, a short sentence;
- ``draw(state, axes)`` -> draw on the given matplotlib axes (already cleared).

The callback does the work in plain Python, so a test sets ``explorer.control.value = ...`` and
asserts on ``explorer.state``, ``explorer.verdict.value`` or ``explorer.figure.axes``: no browser needed.
The figure is a ``matplotlib.figure.Figure`` (not pyplot), so it never leaks into the notebook's
own plots; it is rendered into the Output widget only when IPython is running.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import ipywidgets as widgets
import matplotlib
from matplotlib.figure import Figure

from helpers import plots

__all__ = ["Explorer"]


class Explorer:
    """Base class: ``control`` (a value widget), ``verdict`` (HTML), ``output`` (the figure)."""

    def __init__(self, control: widgets.ValueWidget, *, ncols: int = 2, figsize: tuple[float, float] = (10, 3.6)):
        self.control = control
        self.verdict = widgets.HTML()
        self.output = widgets.Output()
        self.figure = Figure(figsize=figsize, layout="constrained")
        self.figure.subplots(1, ncols)
        self.state: Any = None
        self.updates = 0
        self._box: widgets.VBox | None = None
        control.observe(self._on_change, names="value")

    # --- to implement -------------------------------------------------------------------------
    def compute(self, value: Any) -> Any:
        raise NotImplementedError

    def describe(self, state: Any) -> str:
        raise NotImplementedError

    def draw(self, state: Any, axes: list) -> None:
        raise NotImplementedError

    # --- machinery ----------------------------------------------------------------------------
    @property
    def verdict_text(self) -> str:
        """The current verdict as plain text (the widget shows it as HTML)."""
        return self.describe(self.state) if self.state is not None else ""

    def refresh(self) -> Any:
        """Recompute for the control's current value, redraw, and return the new state."""
        self.state = self.compute(self.control.value)
        # The course's colours whether or not setup() ran: lines without a colour take the Okabe-Ito cycle.
        with matplotlib.rc_context({"axes.prop_cycle": matplotlib.cycler(color=plots.PALETTE)}):
            for ax in self.figure.axes:
                ax.clear()
            self.draw(self.state, self.figure.axes)
        self.verdict.value = f"<b>{html.escape(self.describe(self.state))}</b>"
        self.updates += 1
        self._show()
        return self.state

    def _on_change(self, change: dict) -> None:
        self.refresh()

    def figure_bundle(self) -> dict:
        """The figure as a display bundle: a base64 PNG (rendered here, whatever the backend) + text.

        In the accessibility mode (:func:`helpers.plots.figures_described`) the bundle also has the
        PNG with alt text and the figure in words as HTML (what JupyterLab shows), and the words as
        its plain text.
        """
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        if plots.figures_described():
            return {"image/png": png, "text/html": plots.figure_html(self.figure, png_base64=png),
                    "text/plain": plots.in_words(self.figure)}
        return {"image/png": png, "text/plain": f"<{type(self).__name__} figure>"}

    def _show(self) -> None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with ipywidgets
            return
        if get_ipython() is None:
            return  # plain Python (tests): the state and the figure are there, nothing to display into
        # Set the Output widget's outputs directly instead of `with self.output: display(...)`: one
        # update (no flicker), and no capture of iopub messages, which nbclient's output-widget hook
        # cannot handle when it executes notebooks with store_widget_state=False (KeyError).
        self.output.outputs = ({"output_type": "display_data", "data": self.figure_bundle(), "metadata": {}},)

    @property
    def widget(self) -> widgets.VBox:
        if self._box is None:
            self._box = widgets.VBox([self.control, self.verdict, self.output])
        return self._box

    def _repr_mimebundle_(self, **kwargs):
        if self.state is None:
            self.refresh()
        return self.widget._repr_mimebundle_(**kwargs)
