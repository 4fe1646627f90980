"""Flywheel's course helpers: the vocabulary the notebooks share.

Import the submodule you need (``from helpers import data``); importing ``helpers`` itself is cheap.
The subpackages are layered (a module imports only its own layer or lower ones, with no cycles):
ARCHITECTURE.md at the top of the checkout gives the order, and tests/test_layers.py enforces it.
"""

from pathlib import Path

__version__ = "0.1.0"

#: The course checkout: solutions/, labs/ and datasets/ live here.
ROOT = Path(__file__).resolve().parent.parent
