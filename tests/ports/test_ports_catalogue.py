"""The ports as a whole: every stored change still applies, the ports together cover what issue 21
asks (the eight built-ins, tuning, batch transform, boto3 S3 and sagemaker-runtime, SDK v3
ModelBuilder), and README.md's inventory is the one the ports declare. No servers: milliseconds."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from port_support import KINDS, Change, Port, inventory, ports

HERE = Path(__file__).parent
ALL = ports()

# what issue 21's acceptance asks the ports to cover -> a pattern some port's script must contain
COVERAGE = {
    "xgboost": r"retrieve\(\"xgboost\"|xgboost:latest",
    "linear-learner": r"framework=\"linear-learner\"",
    "factorization-machines": r"'factorization-machines'",
    "kmeans": r"\bKMeans\(",
    "pca": r"framework=\"pca\"",
    "knn": r"get_image_uri\(.*\"knn\"\)",
    "randomcutforest": r"\bRandomCutForest\(",
    "forecasting-deepar": r"'forecasting-deepar'",
    "hyperparameter tuning": r"HyperparameterTuner\(",
    "batch transform": r"Transformer\(",
    "boto3 S3": r"boto3\.(Session\(\)\.)?(resource|client)\(['\"]s3['\"]\)",
    "boto3 SageMaker control plane": r"boto3\.(Session\(\)\.)?client\(['\"]sagemaker['\"]\)",
    "boto3 sagemaker-runtime": r"boto3\.client\('runtime\.sagemaker'",
    "SDK v3 ModelBuilder + InferenceSpec": r"inference_spec=inference_spec",
}


def test_there_are_at_least_ten_ports_each_with_its_stored_cells_and_source():
    assert len(ALL) >= 10
    for port in ALL:
        header = port.cells_file.read_text(encoding="utf-8").split("# %% cell", 1)[0]
        assert port.repo in header and port.commit in header and Path(port.path).name in header, port.name
        assert re.fullmatch(r"[0-9a-f]{40}", port.commit), port.name
        assert port.smoke, f"{port.name}: say what the smoke sizes are (or 'none')"


@pytest.mark.parametrize("port", ALL, ids=lambda p: p.name)
def test_every_change_applies_exactly_where_declared(port):
    script = port.script()  # raises if a change no longer matches its count
    compile(script.replace("\n!", "\n#!").replace("\n%", "\n#%"), port.name, "exec")  # what is left is Python
    assert not re.search(r"^\s*[!%]", script, re.MULTILINE), f"{port.name}: a shell or magic line is left"


@pytest.mark.parametrize("need, pattern", list(COVERAGE.items()))
def test_the_ports_cover_what_issue_21_asks(need, pattern):
    assert any(re.search(pattern, p.script()) for p in ALL), f"no port covers {need}"


def imports_of(text: str) -> tuple[list[str], list[str]] | None:
    """The names ``text`` binds and the modules it imports them from, or None if it is not import lines only."""
    names, modules = [], []
    for node in ast.parse(text).body:
        if isinstance(node, ast.Import):
            names += [alias.asname or alias.name.split(".")[0] for alias in node.names]
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names += [alias.asname or alias.name for alias in node.names]
            modules.append(node.module or "")
        else:
            return None
    return sorted(names), modules


@pytest.mark.parametrize("port", ALL, ids=lambda p: p.name)
def test_an_import_change_only_moves_names_to_the_kit(port):
    """What counts as ``import`` is honest: the same names bound, now from helpers.platform, nothing else."""
    for change in port.changes:
        if change.kind != "import":
            continue
        old, new = imports_of(change.old), imports_of(change.new)
        assert old is not None and new is not None, f"{port.name}: {change.old!r} -> {change.new!r} is not imports only"
        assert old[0] == new[0], f"{port.name}: {change.new!r} binds {new[0]}, the notebook's line {old[0]}"
        assert all(m == "helpers.platform" or m.startswith("helpers.platform.") for m in new[1]), change.new


def test_an_import_change_that_does_more_is_refused():
    assert imports_of("from sagemaker import KMeans") == (["KMeans"], ["sagemaker"])
    assert imports_of("import helpers.platform.v2 as sagemaker\n") == (["sagemaker"], ["helpers.platform.v2"])
    assert imports_of("import helpers.platform as sagemaker\nsagemaker.x = 1") is None


def test_a_stale_change_is_refused_with_the_file_to_fix(tmp_path, monkeypatch):
    import port_support

    monkeypatch.setattr(port_support, "DATA", tmp_path)
    (tmp_path / "demo.py").write_text("# %% cell 3\nimport sagemaker\nx = 1\n")
    port = Port("demo", "owner/repo", "demo.ipynb", "0" * 40, smoke="none",
                changes=(Change("import", "import sagemaker\n", "import helpers.platform as sagemaker\n", count=2),))
    with pytest.raises(AssertionError, match=r"expects 2 occurrence\(s\) in demo\.py, found 1"):
        port.script()
    ok = Port("demo", "owner/repo", "demo.ipynb", "0" * 40, smoke="none",
              changes=(Change("import", "import sagemaker\n", "import helpers.platform as sagemaker\n"),))
    assert ok.script() == "# %% cell 3\nimport helpers.platform as sagemaker\nx = 1\n"


def test_a_workaround_must_say_what_removes_it():
    with pytest.raises(ValueError, match="which issue item removes it"):
        Change("workaround", "a", "b")
    with pytest.raises(ValueError, match="is not one of"):
        Change("fix", "a", "b")


def test_workarounds_are_counted_and_listed_in_the_readme():
    table = inventory(ALL)
    totals = {kind: sum(p.count(kind) for p in ALL) for kind in KINDS}
    print(f"\n{len(ALL)} ports; changes by kind: {totals}")  # the figure issue 21 tracks
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    marks = re.search(r"<!-- inventory: begin -->\n(.*?)<!-- inventory: end -->", readme, re.DOTALL)
    assert marks, "README.md lost its inventory marks"
    assert marks.group(1) == table, ("README.md's inventory differs from the ports: paste the output of "
                                     "`.venv/bin/python tests/ports/port_support.py` between its marks")
