"""Flywheel's course helpers: the vocabulary the notebooks share.

Import the submodule you need (``from helpers import data``); importing ``helpers`` itself is cheap.
"""

from pathlib import Path

__version__ = "0.1.0"

#: The course checkout: solutions/, labs/ and datasets/ live here.
ROOT = Path(__file__).resolve().parent.parent
