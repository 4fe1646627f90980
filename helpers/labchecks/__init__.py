"""The checks of each lab, one module per notebook (``lab00``, ``lab01``...).

A notebook imports its own: ``from helpers.labchecks.lab04 import check``.
"""
