"""SageMaker's PCA, locally, in numpy.

* ``algorithm_mode=regular``: the covariance matrix is accumulated over mini-batches of
  ``mini_batch_size`` rows and decomposed exactly (as SageMaker's regular mode, for a moderate number
  of features);
* ``algorithm_mode=randomized``: a randomized SVD (Halko et al.) with ``extra_components`` extra
  directions (-1: max(10, num_components)), for many rows and features.

``subtract_mean`` (default true) centres the data in training and at inference. Training data: CSV
without a label; like SageMaker with ``text/csv`` (``label_size=0`` for this unsupervised algorithm),
every column is a feature, so a file needs exactly ``feature_dim`` columns. Channel: ``train``.

The model keeps the components (largest variance first, each signed so that its largest-magnitude
loading is positive, as scikit-learn does), the mean, the singular values and the explained variance
(``singular_value**2 / (n_rows - 1)``) and its ratio; training logs the latter. PCA emits no metrics.
Responses: ``{"projections": [{"projection": [...]}]}`` (JSON) or ``{"projection": [...]}`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms.base import Algorithm, Log, read_model, write_model
from helpers.algorithms.channels import read_channel, split_label
from helpers.algorithms.errors import DataFormatError, HyperparameterError

__all__ = ["PCA", "PCAModel"]

SEED = 0
POWER_ITERATIONS = 7

HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("feature_dim", low=1, required=True, help="the input dimension (number of features)"),
        hp.integer("mini_batch_size", low=1, required=True, help="the number of rows in a mini-batch"),
        hp.integer("num_components", low=1, required=True, help="the number of principal components to compute"),
        hp.choice("algorithm_mode", ("regular", "randomized"), "regular"),
        hp.integer("extra_components", -1, low=-1, valid="-1 or non-negative integer"),
        hp.boolean("subtract_mean", True),
    ]
}


@dataclass
class PCAModel:
    """``components`` (num_components, feature_dim); ``mean`` (feature_dim,), zeros without subtract_mean."""

    components: np.ndarray
    mean: np.ndarray
    singular_values: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray

    @property
    def feature_dim(self) -> int:
        return self.components.shape[1]

    def project(self, x: np.ndarray) -> np.ndarray:
        """(n, num_components) coordinates of ``x`` on the components."""
        return (x - self.mean) @ self.components.T


def _sign_flip(components: np.ndarray) -> np.ndarray:
    """Each component signed so that its largest-magnitude loading is positive (deterministic output)."""
    rows = np.arange(len(components))
    signs = np.sign(components[rows, np.abs(components).argmax(axis=1)])
    return components * np.where(signs == 0, 1.0, signs)[:, None]


class PCA(Algorithm):
    name = "pca"
    image_repository = "pca"
    hyperparameters = HYPERPARAMETERS
    json_key = "projections"

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        if values["num_components"] > values["feature_dim"]:
            raise HyperparameterError(
                f"Hyperparameter 'num_components': value {values['num_components']} is more than feature_dim "
                f"({values['feature_dim']}). Valid values: 1..feature_dim."
            )

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        x, _ = split_label(read_channel("train", channels["train"]), hps["feature_dim"], algorithm=self.name, label_columns=0)
        n, d = x.shape
        k = hps["num_components"]
        if n < 2:
            raise DataFormatError(f"Channel 'train' holds {n} row(s): PCA needs at least 2 to estimate variances.")
        if k > min(n, d) and hps["algorithm_mode"] == "regular":
            raise HyperparameterError(
                f"Hyperparameter 'num_components': value {k} is more than min(rows, features) = {min(n, d)}."
            )
        mean = x.mean(axis=0) if hps["subtract_mean"] else np.zeros(d)
        total_variance = float(((x - x.mean(axis=0)) ** 2).sum() / (n - 1))
        if hps["algorithm_mode"] == "regular":
            components, singular = self._regular(x, mean, k, hps["mini_batch_size"])
        else:
            extra = max(10, k) if hps["extra_components"] == -1 else hps["extra_components"]
            components, singular = self._randomized(x - mean, k, extra)
        components = _sign_flip(components)
        variance = singular ** 2 / (n - 1)
        ratio = variance / total_variance if total_variance > 0 else np.zeros_like(variance)
        log(f"pca: {n} rows, {d} features, {k} components ({hps['algorithm_mode']}); "
            f"explained variance ratio {float(ratio.sum()):.4f} in total.")
        write_model(model_dir, self.name, {"num_components": k, "feature_dim": d, "n_rows": n, "hyperparameters": hps},
                    {"components": components, "mean": mean, "singular_values": singular,
                     "explained_variance": variance, "explained_variance_ratio": ratio})

    @staticmethod
    def _regular(x: np.ndarray, mean: np.ndarray, k: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k eigenvectors of the (uncentred) scatter matrix of ``x - mean``, accumulated by mini-batch."""
        scatter = np.zeros((x.shape[1], x.shape[1]))
        for start in range(0, len(x), batch):
            block = x[start:start + batch] - mean
            scatter += block.T @ block
        eigenvalues, eigenvectors = np.linalg.eigh(scatter)
        order = np.argsort(eigenvalues)[::-1][:k]
        return eigenvectors[:, order].T, np.sqrt(np.maximum(eigenvalues[order], 0.0))

    @staticmethod
    def _randomized(a: np.ndarray, k: int, extra: int) -> tuple[np.ndarray, np.ndarray]:
        """Randomized SVD of ``a`` (Halko, Martinsson & Tropp 2011) with ``extra`` oversampling."""
        rng = np.random.default_rng(SEED)
        width = min(k + extra, min(a.shape))
        q = a @ rng.normal(size=(a.shape[1], width))
        for _ in range(POWER_ITERATIONS):  # power iterations, re-orthonormalised for stability
            q, _ = np.linalg.qr(q)
            q, _ = np.linalg.qr(a.T @ q)
            q = a @ q
        q, _ = np.linalg.qr(q)
        _, s, vt = np.linalg.svd(q.T @ a, full_matrices=False)
        return vt[:k], s[:k]

    def load(self, model_dir: Path) -> PCAModel:
        _, arrays = read_model(model_dir, self.name)
        return PCAModel(arrays["components"], arrays["mean"], arrays["singular_values"],
                        arrays["explained_variance"], arrays["explained_variance_ratio"])

    def predict(self, features: np.ndarray, model: PCAModel) -> list[dict[str, Any]]:
        return [{"projection": [float(v) for v in row]} for row in model.project(features)]
