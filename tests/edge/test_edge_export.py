"""helpers.edge.export: the ONNX model computes what scikit-learn computes; quantization shrinks what it can;
bad input is refused with the fix."""

from __future__ import annotations

import json
import stat

import numpy as np
import onnx
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers import edge

# Measured on the full test split: the int8 MLP agrees with scikit-learn on 99.7% of the labels (100% on
# this sample); 99% leaves room for another seed without letting a broken quantization through.
MIN_AGREEMENT = 0.99


@pytest.mark.parametrize("name", ["logistic regression", "MLP"])
def test_float_onnx_predictions_equal_sklearns_within_the_stated_tolerance(models, exported, split, name):
    model = edge.EdgeModel(exported[name][edge.FLOAT32])
    labels, probabilities = model.run(split.X_test)
    np.testing.assert_allclose(probabilities, models[name].predict_proba(split.X_test), rtol=0, atol=edge.PROBABILITY_ATOL)
    np.testing.assert_array_equal(labels, models[name].predict(split.X_test))


def test_the_contract_is_one_float32_input_and_array_probabilities(exported):
    graph = onnx.load_model_from_string(exported["MLP"][edge.FLOAT32]).graph
    (entry,) = graph.input
    assert entry.name == edge.INPUT_NAME
    assert entry.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [dim.dim_value for dim in entry.type.tensor_type.shape.dim] == [0, len(edge.FEATURES)]  # N free
    assert [output.name for output in graph.output] == ["label", "probabilities"]
    assert "ZipMap" not in edge.operators(exported["MLP"][edge.FLOAT32])


def test_the_quantized_mlp_is_smaller_and_agrees_with_sklearn(models, exported, split):
    reference = models["MLP"].predict(split.X_test)
    for runtime in edge.QUANTIZED:
        small = exported["MLP"][runtime]
        assert edge.quantized_nodes(small) == 3  # the MLP's three MatMuls: 8x64, 64x64, 64x1
        assert len(small) < len(exported["MLP"][edge.FLOAT32]) / 2
        assert np.mean(edge.EdgeModel(small).predict(split.X_test) == reference) >= MIN_AGREEMENT


def test_the_linear_model_is_left_alone_by_quantization(exported):
    # Its weights sit in one ONNX-ML LinearClassifier node, which quantize_dynamic does not rewrite.
    assert edge.operators(exported["logistic regression"][edge.FLOAT32]) == ["Scaler", "LinearClassifier"]
    assert edge.quantized_nodes(exported["logistic regression"][edge.INT8]) == 0
    assert len(exported["logistic regression"][edge.INT8]) >= len(exported["logistic regression"][edge.FLOAT32])


def test_the_linear_model_has_one_default_opset_so_it_can_be_quantized(models):
    # skl2onnx writes the "" domain twice for LinearClassifier; quantize_dynamic refuses such a file.
    model = onnx.load_model_from_string(edge.to_onnx(models["logistic regression"]))
    assert [entry.domain for entry in model.opset_import].count("") == 1


def test_a_saved_model_is_private_loads_and_names_its_columns(exported, split, tmp_path):
    path = edge.save(exported["MLP"][edge.INT8], tmp_path / "device" / "mlp-int8.onnx")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    model = edge.EdgeModel(path)
    assert model.feature_names == list(edge.FEATURES)
    assert model.size_bytes == path.stat().st_size
    np.testing.assert_array_equal(model.predict_proba(split.X_test),
                                  edge.EdgeModel(exported["MLP"][edge.INT8]).predict_proba(split.X_test))


def test_float64_rows_are_cast_to_the_models_float32(exported, split):
    model = edge.EdgeModel(exported["MLP"][edge.FLOAT32])
    np.testing.assert_array_equal(model.predict_proba(split.X_test.astype(np.float64)), model.predict_proba(split.X_test))


def test_a_wrong_number_of_features_names_the_columns(exported, split):
    model = edge.EdgeModel(exported["MLP"][edge.FLOAT32])
    with pytest.raises(ValueError, match=r"\[rows, 8\] features \(type_L.*tool_wear_min\).*same columns"):
        model.predict(split.X_test[:, :7])
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        model.predict(split.X_test[0])


@pytest.mark.parametrize("bad", [np.ones((2, 8), dtype=np.int64), np.full((2, 8), "1.5"), np.ones((2, 8), dtype=bool)])
def test_non_float_input_is_refused_with_the_cast_to_make(exported, bad):
    with pytest.raises(TypeError, match=r"float32: convert it with X\.astype\(np\.float32\)"):
        edge.EdgeModel(exported["MLP"][edge.FLOAT32]).predict(bad)


def test_missing_values_are_refused_with_their_place(exported, split):
    rows = split.X_test[:3].copy()
    rows[2, 4] = np.nan
    with pytest.raises(ValueError, match=r"X\[2, 4\] is nan.*fill or drop"):
        edge.EdgeModel(exported["MLP"][edge.FLOAT32]).predict(rows)


class Doubler(BaseEstimator, TransformerMixin):
    """A custom step skl2onnx has no converter for."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return 2 * np.asarray(X)


def test_a_model_skl2onnx_cannot_convert_names_the_step_and_the_way_out(split):
    model = make_pipeline(Doubler(), LogisticRegression()).fit(split.X_train, split.y_train)
    with pytest.raises(TypeError, match=r"cannot convert Pipeline\(Doubler -> LogisticRegression\).*for Doubler.*"
                                        r"update_registered_converter"):
        edge.to_onnx(model)


def test_a_regressor_is_refused_with_the_classifier_contract(split):
    from sklearn.linear_model import LinearRegression

    with pytest.raises(TypeError, match="not a classifier with predict_proba.*end the pipeline in a classifier"):
        edge.to_onnx(make_pipeline(StandardScaler(), LinearRegression()).fit(split.X_train, split.y_train))


def test_an_unfitted_model_is_refused_before_conversion():
    with pytest.raises(ValueError, match=r"not fitted: call \.fit"):
        edge.to_onnx(make_pipeline(StandardScaler(), LogisticRegression()))


def test_feature_names_must_match_the_fitted_width(models):
    with pytest.raises(ValueError, match="3 feature names for a model fitted on 8"):
        edge.to_onnx(models["MLP"], feature_names=["a", "b", "c"])


def test_bad_bytes_options_and_file_names_are_refused(exported, tmp_path):
    with pytest.raises(ValueError, match="not an ONNX model"):
        edge.EdgeModel(b"\x00not a model")
    with pytest.raises(ValueError, match="'int8'.*'uint8'"):
        edge.quantize(exported["MLP"][edge.FLOAT32], weights="int4")
    with pytest.raises(ValueError, match=r"\.onnx"):
        edge.save(exported["MLP"][edge.FLOAT32], tmp_path / "model.bin")
    assert not (tmp_path / "model.bin").exists()
    with pytest.raises(FileNotFoundError, match="helpers.edge.save"):
        edge.EdgeModel(tmp_path / "missing.onnx")


def test_the_feature_names_stored_in_the_file_are_the_training_columns(exported):
    metadata = {prop.key: prop.value for prop in onnx.load_model_from_string(exported["MLP"][edge.INT8]).metadata_props}
    assert json.loads(metadata["feature_names"]) == list(edge.FEATURES)


@pytest.mark.parametrize(("runtime", "dtype"), [(edge.INT8, onnx.TensorProto.INT8), (edge.UINT8, onnx.TensorProto.UINT8)])
def test_each_quantized_variant_stores_its_weights_in_its_8_bit_type(exported, runtime, dtype):
    weights = [tensor for tensor in onnx.load_model_from_string(exported["MLP"][runtime]).graph.initializer
               if tensor.name.endswith("_quantized")]
    assert len(weights) == 3 and {tensor.data_type for tensor in weights} == {dtype}
    assert sum(np.prod(tensor.dims) for tensor in weights) == 8 * 64 + 64 * 64 + 64  # every MatMul weight, 1 byte each
