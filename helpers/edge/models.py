"""The models the edge lesson ships to a device: machine-failure classifiers on the milling-machine sensors.

A controller next to the machine reads five sensors and the product type and must flag a coming failure
without a round trip to the cloud: the ``maintenance`` dataset (10,000 processes, 3.4% failures).

    split = maintenance_split()                 # float32 matrices, a stratified 70/30 split
    models = fit_models(split)                  # {"logistic regression": Pipeline, "MLP": Pipeline}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import data

SENSORS = ("Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]", "Torque [Nm]",
           "Tool wear [min]")
TYPES = ("L", "M", "H")
# The device's input row, in this order: the product type one-hot, then the sensors with their units.
FEATURES = tuple(f"type_{kind}" for kind in TYPES) + ("air_temperature_K", "process_temperature_K",
                                                       "rotational_speed_rpm", "torque_Nm", "tool_wear_min")
LABEL = "Machine failure"
MLP_LAYERS = (64, 64)  # 8*64 + 64*64 + 64 = 4,672 weights: enough MatMul for int8 to matter
MLP_ITERATIONS = 60    # AUC has levelled off by then (0.967 at 60 epochs, 0.963 at 191 when it converges)


@dataclass(frozen=True)
class Split:
    """Train and test rows as the device sees them: ``X_*`` float32 ``[N, 8]`` (columns :data:`FEATURES`),
    ``y_*`` int64 ``[N]`` (1 = the machine failed)."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...] = FEATURES


def maintenance_features(frame: pd.DataFrame) -> np.ndarray:
    """The device's input matrix from ``maintenance`` rows: float32 ``[N, 8]``, columns :data:`FEATURES`.

    The product type becomes three 0/1 columns (the model takes numbers only); the sensors keep their units.
    """
    missing = [column for column in ("Type", *SENSORS) if column not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks {missing}: pass rows of data.load('maintenance').")
    unknown = sorted(set(frame["Type"].dropna()) - set(TYPES))
    if unknown or frame["Type"].isna().any():
        raise ValueError(f"Type must be one of {TYPES}; found {unknown or 'missing values'}: fix or drop those rows.")
    one_hot = [(frame["Type"] == kind).to_numpy(dtype=np.float32) for kind in TYPES]
    sensors = [frame[column].to_numpy(dtype=np.float32) for column in SENSORS]
    return np.column_stack(one_hot + sensors)


def maintenance_split(*, test_size: float = 0.3, rows: int | None = None, seed: int = 0) -> Split:
    """A stratified train/test split of the maintenance data (``rows``: a seeded sample first, for fast tests)."""
    from sklearn.model_selection import train_test_split

    frame = data.load("maintenance")
    if rows is not None:
        frame = frame.sample(n=rows, random_state=seed)
    X = maintenance_features(frame)
    y = frame[LABEL].to_numpy(dtype=np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    return Split(X_train, X_test, y_train, y_test)


def make_models(*, mlp_iterations: int = MLP_ITERATIONS, seed: int = 0) -> dict:
    """Unfitted pipelines, scaling then a classifier: a logistic regression and a small MLP."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "MLP": make_pipeline(StandardScaler(), MLPClassifier(MLP_LAYERS, max_iter=mlp_iterations, random_state=seed)),
    }


def fit_models(split: Split, *, mlp_iterations: int = MLP_ITERATIONS, seed: int = 0) -> dict:
    """:func:`make_models` fitted on the training rows (a few seconds; the MLP may stop before converging).

    BLAS runs on one thread: on a shared 2-core machine its threads fight and the MLP takes 10x longer.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    models = make_models(mlp_iterations=mlp_iterations, seed=seed)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed epoch budget, on purpose
        for model in models.values():
            model.fit(split.X_train, split.y_train)
    return models
