"""Old XGBoost model formats (legacy binary, pickled Booster) deployed end to end: an endpoint and a batch
transform answer what the xgboost that wrote the model predicted (fixtures: tests/algorithms/xgboost_models)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from helpers.platform import image_uris, storage
from helpers.platform.serving import Endpoint, EndpointConfig, ModelBuilder, ProductionVariant, Transformer

pytest.importorskip("xgboost")

MODELS = Path(__file__).resolve().parents[2] / "algorithms" / "xgboost_models"
VARIANTS = {"legacy": "xgb17-binary.bin", "pickled": "xgb21-multi.pkl"}


def rows_and_predictions(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The fixture's complete rows (requests carry no missing values) and the old xgboost's scores."""
    stored = np.load(MODELS / (name.rsplit(".", 1)[0] + ".npz"))
    complete = ~np.isnan(stored["x"]).any(axis=1)
    return stored["x"][complete], stored["pred"][complete]


def csv(rows: np.ndarray) -> bytes:
    return ("\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n").encode()


@pytest.fixture(scope="module")
def endpoint(home, tmp_path_factory):
    image = image_uris.retrieve("xgboost", "us-east-1", version="1.7-1")
    variants = []
    for variant, name in VARIANTS.items():
        folder = tmp_path_factory.mktemp(variant)
        (folder / "xgboost-model").write_bytes((MODELS / name).read_bytes())
        model = ModelBuilder(model_path=str(folder), image_uri=image).build(model_name=f"old-{variant}")
        variants.append(ProductionVariant(variant_name=variant, model_name=model.model_name))
    EndpointConfig.create(endpoint_config_name="old-xgb", production_variants=variants)
    return Endpoint.create(endpoint_name="old-xgb", endpoint_config_name="old-xgb")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_an_endpoint_serves_old_xgboost_models(endpoint, variant):
    rows, want = rows_and_predictions(VARIANTS[variant])
    answer = endpoint.invoke(csv(rows), content_type="text/csv", accept="text/csv", target_variant=variant)
    got = np.loadtxt(io.StringIO(answer.body.read().decode()), delimiter=",")
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5)


def test_a_batch_transform_runs_a_legacy_binary_model(endpoint):
    rows, want = rows_and_predictions(VARIANTS["legacy"])
    storage.put_bytes("s3://old-xgb/in/rows.csv", csv(rows))
    Transformer(model_name="old-legacy", strategy="MultiRecord", assemble_with="Line", accept="text/csv",
                output_path="s3://old-xgb/out").transform(
        "s3://old-xgb/in", content_type="text/csv", split_type="Line", logs=False)
    got = np.array(storage.get_bytes("s3://old-xgb/out/rows.csv.out").decode().split(), dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_an_endpoint_answers_a_libsvm_request(endpoint):
    rows, want = rows_and_predictions(VARIANTS["legacy"])
    body = "".join("0 " + " ".join(f"{j}:{float(v)!r}" for j, v in enumerate(row)) + "\n" for row in rows[:3])
    answer = endpoint.invoke(body.encode(), content_type="text/libsvm", accept="text/csv", target_variant="legacy")
    np.testing.assert_allclose(np.array(answer.body.read().decode().split(","), dtype=float), want[:3], rtol=1e-5)
