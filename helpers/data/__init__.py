"""The course's datasets, offline and checksummed.

    from helpers import data
    data.names()                  # every dataset
    df = data.load("bikeshare")   # verified against datasets/MANIFEST.sha256, documented dtypes
    data.info("bikeshare")        # description, file, dtypes, source, licence

Datasheets (columns, units, sources, licences, how each synthetic set was made): datasets/README.md.
"""

from helpers.data.loading import DatasetError, info, load, names, path, verify
from helpers.data.synthetic import generate, synthetic_names, write

__all__ = ["DatasetError", "generate", "info", "load", "names", "path", "synthetic_names", "verify", "write"]
