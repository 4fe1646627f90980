"""Interactive widgets for the notebooks, testable without a browser.

- :class:`~helpers.widgets.explorer.Explorer`: a base for "move a control, see a verdict and a figure"
  widgets; the work happens in plain Python on every change, so tests set ``control.value``.
- :class:`~helpers.widgets.learning_rate.LearningRateExplorer`: notebook 04's learning-rate slider.
- :class:`~helpers.widgets.labelling.LabellingWidget`: label examples yourself and measure agreement.

Import the module you need, e.g. ``from helpers.widgets.learning_rate import LearningRateExplorer``;
importing ``helpers.widgets`` itself imports nothing heavy.
"""
