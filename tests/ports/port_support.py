"""Run a public SageMaker example notebook's code cells on the local platform, with a declared list of
textual changes, so the difference from the published notebook is visible and counted.

A port is the notebook's code cells, stored as they were published in ``data/<name>.py`` (percent
format: one ``# %% cell N`` line before each cell, N its index in the .ipynb), plus a list of ``Change``
objects. Each change replaces text that must occur in the cells exactly ``count`` times, so a change
that no longer matches (the stored source was edited, or a substitution went stale) fails loudly
instead of silently running different code. The kinds say why the text differs:

- ``import``: an SDK import becomes its ``helpers.platform`` name (the one change the kit promises); SDK v1/v2
  code imports the kit's v2 layer, ``helpers.platform.v2``, under the SDK's module paths (``v2()``);
- ``data``: where data comes from (a download becomes local data of the same shape and format);
- ``smoke``: a size shrunk so the port runs in seconds (epochs, rows, instance counts);
- ``shell``: a notebook shell or magic line (``!pip install``, ``%matplotlib``) with no meaning in a script,
  or its Python equivalent (``!aws s3 cp`` -> boto3);
- ``workaround``: anything else. Each says what will remove it (``why``: a kit gap, a pandas/numpy
  removal) and which call it replaces (``what``); the
  totals are printed by test_workarounds_are_counted_and_listed_in_the_readme and listed in README.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import linecache
import os
import re
import tempfile
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
KINDS = ("import", "data", "smoke", "shell", "workaround")
CELL_MARK = re.compile(r"^# %% cell (\d+)$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Change:
    """Replace ``old`` by ``new`` (``old`` must occur exactly ``count`` times in the stored cells).

    ``why`` is required for a workaround: what will remove it (an issue item, or one of the reasons
    below: an SDK v1/v2 API the current SDK dropped, a library change); ``what`` names the call.
    """

    kind: str
    old: str
    new: str
    why: str = ""
    count: int = 1
    what: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Change kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "workaround" and not self.why:
            raise ValueError(f"the workaround replacing {self.old[:40]!r} must say which issue item removes it")


@dataclasses.dataclass(frozen=True)
class Port:
    """One public notebook: where it was published and how this copy differs from it."""

    name: str
    repo: str
    path: str
    commit: str
    changes: tuple[Change, ...]
    smoke: str  # what the smoke sizes are, in words

    @property
    def cells_file(self) -> Path:
        return DATA / f"{self.name}.py"

    def cells(self) -> dict[int, str]:
        """The stored code cells, by their index in the published .ipynb."""
        text = self.cells_file.read_text(encoding="utf-8")
        marks = list(CELL_MARK.finditer(text))
        if not marks:
            raise ValueError(f"{self.cells_file} has no '# %% cell N' line")
        ends = [m.start() for m in marks[1:]] + [len(text)]
        return {int(m.group(1)): text[m.end():end].strip("\n") + "\n" for m, end in zip(marks, ends)}

    def source(self) -> str:
        return "".join(f"# %% cell {i}\n{cell}" for i, cell in self.cells().items())

    def script(self) -> str:
        """The stored cells with every change applied; refuses a change whose text does not match."""
        text = self.source()
        for change in self.changes:
            found = text.count(change.old)
            if found != change.count:
                raise AssertionError(
                    f"{self.name}: the {change.kind} change of {change.old[:60]!r} expects {change.count} "
                    f"occurrence(s) in {self.cells_file.name}, found {found}: update the change or the cells")
            text = text.replace(change.old, change.new)
        return text

    def count(self, kind: str) -> int:
        return sum(c.count for c in self.changes if c.kind == kind)

    def workarounds(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "workaround"]


def run(port: Port, workdir: Path) -> dict:
    """Execute the port's script in a fresh namespace with ``workdir`` as the current folder (where
    the notebook's relative paths and temporary folders land); returns the namespace, so a test can
    check what the notebook computed."""
    namespace: dict = {"__name__": f"port_{port.name}"}
    script, filename = port.script(), f"<port {port.name}>"
    # so a failing line shows in the traceback, with the cell marks above it
    linecache.cache[filename] = (len(script), None, script.splitlines(True), filename)
    code = compile(script, filename, "exec")
    with pytest.MonkeyPatch.context() as patch, contextlib.chdir(workdir):
        # the notebooks' tempfile.mkdtemp() folders land in the test's folder, not in /tmp for good
        (workdir / "tmp").mkdir(exist_ok=True)
        patch.setattr(tempfile, "tempdir", str(workdir / "tmp"))
        try:
            exec(code, namespace)  # noqa: S102 - the port's own stored cells, by design
        finally:
            _close_figures()
    return namespace


def _close_figures() -> None:
    """Free the figures a port drew (a notebook shows them; a script only keeps them in memory)."""
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def xfail_until(reason: str):
    """Mark a port blocked on a colleague's feature: it must fail now, and XPASS fails the run when
    the feature lands, so the mark gets removed."""
    return pytest.mark.xfail(strict=True, reason=f"needs {reason}")


# --- what will remove a workaround, and changes many ports share ----------------------------------

LIBS = "pandas or numpy API removed since the notebook was written (fails anywhere with current versions)"
PANDAS = "pandas 1.0 removed DataFrame.as_matrix"
NUMPY = "numpy 2.4 removed in1d"
NP_SPLIT = "np.split of a DataFrame returns arrays since pandas 3 removed DataFrame.swapaxes"


#: Where SDK v1/v2 code finds its modules on the kit: ``sagemaker.X`` is ``helpers.platform.v2.X``.
V2_PACKAGE = "helpers.platform.v2"


def v2(line: str, count: int = 1) -> Change:
    """An SDK v2 import line (``from sagemaker.x import y``, ``import sagemaker.x as z``) as the same
    line on the kit's v2 layer: only the package changes."""
    new = re.sub(r"^(from|import) sagemaker(?=[. ])", rf"\1 {V2_PACKAGE}", line)
    if new == line:
        raise ValueError(f"{line!r} is not an import of a sagemaker module")
    return Change("import", line, new, count=count)


def v2_imports(count_import_sagemaker: int, get_execution_role: bool = True) -> tuple[Change, ...]:
    """``import sagemaker`` -> the kit's SDK v2 layer under the same name (``sagemaker.Session``,
    ``sagemaker.estimator.Estimator``, ``sagemaker.get_execution_role`` are at the same places)."""
    changes = [Change("import", "import sagemaker\n", f"import {V2_PACKAGE} as sagemaker\n",
                      count=count_import_sagemaker)]
    if get_execution_role:
        changes.append(v2("from sagemaker import get_execution_role"))
    return tuple(changes)


def v2_serializers() -> tuple[Change, ...]:
    """SDK v2's serializer modules, on the kit's v2 layer."""
    return (v2("from sagemaker.serializers import CSVSerializer"),
            v2("from sagemaker.deserializers import JSONDeserializer"))


SMAC = v2("import sagemaker.amazon.common as smac")


SHELL_TIME = Change("shell", "%%time\n", "", count=1)
SHELL_MATPLOTLIB = Change("shell", "%matplotlib inline\n", "")

MNIST_DOWNLOAD = Change(
    "data", 'urllib.request.urlretrieve("http://deeplearning.net/data/mnist/mnist.pkl.gz", "mnist.pkl.gz")',
    'import port_support; port_support.write_mnist_pkl_gz("mnist.pkl.gz")')


# --- local data of the same shape and format as the notebooks' downloads (seeded, tiny) -------------

CHURN_FEATURES = 69  # the churn notebooks' one-hot encoded table: label first, then 69 columns


def churn_table(rows: int, seed: int = 0):
    """A churn-like table: column 0 the 0/1 label, then ``CHURN_FEATURES`` numeric columns; shape
    (rows, 1 + CHURN_FEATURES), float64."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, CHURN_FEATURES))
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=rows) > 0).astype(float)
    return np.column_stack([y, x])


def write_churn_validation(path: str | os.PathLike, rows: int = 30) -> Path:
    """``validation.csv`` as the churn notebooks store it: no header, label first."""
    import numpy as np

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, churn_table(rows, seed=1), delimiter=",", fmt="%.6g")
    return path


def write_xgboost_pickle_model(path: str | os.PathLike, rounds: int = 5) -> Path:
    """A ``model.tar.gz`` holding ``xgboost-model``, a pickled Booster trained on ``churn_table``:
    the format SageMaker's XGBoost 0.90 container writes (and the examples ship)."""
    import io
    import pickle
    import tarfile

    import xgboost

    table = churn_table(200)
    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 2},
                            xgboost.DMatrix(table[:, 1:], label=table[:, 0]), num_boost_round=rounds)
    payload = pickle.dumps(booster)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return path


def mnist_sets(n_train: int = 300, n_valid: int = 100, n_test: int = 100, seed: int = 0):
    """MNIST as ``mnist.pkl.gz`` holds it: three (images, labels) pairs, images float32 (n, 784) in
    [0, 1] (28x28 pixels, row by row), labels int64 (n,) in 0..9. Ten noisy class prototypes, so
    clusters and classifiers have something to find. 100 test rows at least: the notebooks split the
    test set into 100 requests."""
    import numpy as np

    rng = np.random.default_rng(seed)
    prototypes = (rng.random((10, 784)) < 0.2).astype(np.float32)

    def one(n: int):
        labels = rng.integers(0, 10, size=n).astype(np.int64)
        noise = rng.normal(scale=0.15, size=(n, 784)).astype(np.float32)
        return np.clip(prototypes[labels] + noise, 0, 1).astype(np.float32), labels

    return one(n_train), one(n_valid), one(n_test)


def write_mnist_pkl_gz(path: str | os.PathLike = "mnist.pkl.gz", **sizes) -> Path:
    """Write ``mnist_sets(**sizes)`` where the notebooks download ``mnist.pkl.gz`` (gzip of a pickle)."""
    import gzip
    import pickle

    path = Path(path)
    with gzip.open(path, "wb") as f:
        pickle.dump(mnist_sets(**sizes), f)
    return path


def write_nyc_taxi_csv(path: str | os.PathLike = "nyc_taxi.csv", rows: int = 6600, seed: int = 0) -> Path:
    """NAB's ``nyc_taxi.csv``: columns ``timestamp`` ("2014-07-01 00:00:00", every 30 minutes) and
    ``value`` (passengers per half hour, int): a daily and a weekly cycle, noise, and anomalies where
    the notebook zooms in (a spike around row 6000; dips around 9000 and 10000 when ``rows`` reaches
    NAB's 10,320). The default, 6,600 rows, still holds the rows the notebook slices (5500:6500)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    value = 15000 + 8000 * np.sin(2 * np.pi * (t % 48) / 48 - 2) + 2000 * np.sin(2 * np.pi * t / 336)
    value += rng.normal(scale=600, size=rows)
    for start, factor in ((5960, 1.9), (8990, 0.3), (10010, 0.4)):
        value[start:start + 12] *= factor  # beyond ``rows``: an empty slice, nothing changes
    frame = pd.DataFrame({"timestamp": pd.date_range("2014-07-01", periods=rows, freq="30min")
                          .strftime("%Y-%m-%d %H:%M:%S"), "value": np.maximum(value, 0).round().astype(int)})
    frame.to_csv(path, index=False)
    return Path(path)


def write_covtype_gz(path: str | os.PathLike = "covtype.data.gz", rows: int = 2000, seed: int = 0) -> Path:
    """UCI covtype as ``covtype.data.gz``: gzip of CSV rows of 55 integers, no header: 10 measurements
    (elevation in metres first), 4 wilderness-area and 40 soil-type one-hot columns, then the cover
    type 1..7, which follows elevation bands as in the real set."""
    import gzip

    import numpy as np

    rng = np.random.default_rng(seed)
    elevation = rng.integers(1859, 3859, size=rows)
    measures = np.column_stack([elevation] + [rng.integers(0, 360, size=rows) for _ in range(9)])
    area = np.eye(4, dtype=int)[rng.integers(0, 4, size=rows)]
    soil = np.eye(40, dtype=int)[rng.integers(0, 40, size=rows)]
    cover = np.clip((elevation - 1859) // 286 + 1, 1, 7)
    table = np.column_stack([measures, area, soil, cover])
    with gzip.open(path, "wt") as f:
        np.savetxt(f, table, delimiter=",", fmt="%d")
    return Path(path)


def write_bank_additional(path: str | os.PathLike = "bank-additional/bank-additional-full.csv", rows: int = 600,
                          seed: int = 0) -> Path:
    """UCI bank marketing's ``bank-additional-full.csv``: ';'-separated, quoted strings, the 21 columns
    of the real file (10 categorical, 10 numeric, ``y`` yes/no), ``pdays`` 999 for "never contacted".
    ``y`` depends on ``poutcome``, ``age`` and ``campaign``, so a model has something to learn."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    pick = lambda values: rng.choice(values, size=rows)  # noqa: E731
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, size=rows),
        "job": pick(["admin.", "blue-collar", "technician", "services", "management", "retired", "student",
                     "unemployed"]),
        "marital": pick(["married", "single", "divorced"]),
        "education": pick(["basic.4y", "high.school", "university.degree", "unknown"]),
        "default": pick(["no", "unknown"]), "housing": pick(["no", "yes"]), "loan": pick(["no", "yes"]),
        "contact": pick(["cellular", "telephone"]), "month": pick(["may", "jun", "jul", "nov"]),
        "day_of_week": pick(["mon", "tue", "wed", "thu", "fri"]),
        "duration": rng.integers(0, 1500, size=rows), "campaign": rng.integers(1, 10, size=rows),
        "pdays": np.where(rng.random(rows) < 0.9, 999, rng.integers(0, 27, size=rows)),
        "previous": rng.integers(0, 3, size=rows), "poutcome": pick(["nonexistent", "failure", "success"]),
        "emp.var.rate": rng.normal(0, 1.5, size=rows).round(1), "cons.price.idx": rng.normal(93.5, 0.5, size=rows).round(3),
        "cons.conf.idx": rng.normal(-40, 4, size=rows).round(1), "euribor3m": rng.uniform(0.6, 5, size=rows).round(3),
        "nr.employed": rng.normal(5167, 70, size=rows).round(1),
    })
    odds = -2 + 2.5 * (frame["poutcome"] == "success") + 0.03 * (frame["age"] - 40) - 0.2 * frame["campaign"]
    frame["y"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-odds)), "yes", "no")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep=";", index=False, quoting=2)  # csv.QUOTE_NONNUMERIC, as UCI's file
    return path


def write_abalone_libsvm(path: str | os.PathLike = "abalone", rows: int = 400, seed: int = 0) -> Path:
    """LIBSVM's ``abalone``: one line per shell, ``rings 1:sex 2:length ... 8:shell_weight`` (sex coded
    1/2/3, lengths in 200 mm units, weights in 200 g units, as the libsvm version), rings 1..29
    growing with size."""
    import numpy as np

    rng = np.random.default_rng(seed)
    length = rng.uniform(0.1, 0.8, size=rows)
    features = np.column_stack([
        rng.integers(1, 4, size=rows), length, length * 0.8, length * 0.25, length ** 3 * 2.5,
        length ** 3 * 1.1, length ** 3 * 0.5, length ** 3 * 0.7])
    rings = np.clip(np.round(3 + 20 * length + rng.normal(scale=1.5, size=rows)), 1, 29).astype(int)
    with open(path, "w") as f:
        for label, row in zip(rings, features):
            f.write(f"{label} " + " ".join(f"{i}:{v:.4g}" for i, v in enumerate(row, 1)) + "\n")
    return Path(path)


# --- stand-ins for removed library APIs, used by counted workarounds -----------------------------------

def split_frame(frame, cuts):
    """What ``np.split(frame, cuts)`` returned before pandas 3: row slices of the DataFrame."""
    edges = [0, *cuts, len(frame)]
    return [frame.iloc[a:b] for a, b in zip(edges, edges[1:])]


# --- the inventory README.md shows ------------------------------------------------------------------

def ports() -> list[Port]:
    """Every port: the ``PORT`` of each ``test_port_*.py`` next to this file, by name."""
    import importlib.util

    found = []
    for path in sorted(Path(__file__).parent.glob("test_port_*.py")):
        spec = importlib.util.spec_from_file_location(f"_inventory_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(module.PORT)
    return found


def inventory(all_ports: list[Port]) -> str:
    """The markdown README.md holds between its inventory marks: one row per port with its counts
    by kind, the total, then the workarounds grouped by the reason that will remove them."""
    rows = ["| port | source (repository, path, commit) | import | data | smoke | shell | workaround |",
            "|---|---|---|---|---|---|---|"]
    for port in all_ports:
        counts = " | ".join(str(port.count(kind)) for kind in KINDS)
        rows.append(f"| `{port.name}` | {port.repo} `{port.path}` @ `{port.commit[:10]}` | {counts} |")
    totals = " | ".join(f"**{sum(p.count(kind) for p in all_ports)}**" for kind in KINDS)
    rows.append(f"| **total** ({len(all_ports)} ports) | | {totals} |")
    reasons: dict[str, dict[str, int]] = {}
    for port in all_ports:
        for change in port.workarounds():
            where = reasons.setdefault(change.why, {})
            key = f"{port.name} ({change.what})" if change.what else port.name
            where[key] = where.get(key, 0) + change.count
    rows += ["", "Workarounds by what removes them (port, the call, how many):", ""]
    for why, where in sorted(reasons.items(), key=lambda item: -sum(item[1].values())):
        listed = "; ".join(f"{key} ×{n}" for key, n in where.items())
        rows.append(f"- **{why}** ({sum(where.values())}): {listed}")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python tests/ports/port_support.py: the inventory to paste into README.md
    print(inventory(ports()), end="")
