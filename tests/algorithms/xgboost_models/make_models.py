"""Makes the old-format XGBoost models that tests/algorithms/test_xgb_formats.py loads with today's xgboost.

They are what SageMaker's XGBoost wrote before JSON: containers 1.3-1 to 1.7-1 save ``xgboost-model`` in
XGBoost's legacy binary format (``Booster.save_model`` of XGBoost 1.x, or ``save_raw("deprecated")`` of 2.x),
containers 0.90 to 1.2 and script-mode users pickle the Booster. Run it with an old xgboost first on the path:

    pip install --no-deps --target /tmp/x17 xgboost==1.7.6 numpy==1.26.4 scipy==1.11.4
    PYTHONPATH=/tmp/x17 python tests/algorithms/xgboost_models/make_models.py
    pip install --no-deps --target /tmp/x21 xgboost-cpu==2.1.4
    PYTHONPATH=/tmp/x21 python tests/algorithms/xgboost_models/make_models.py

Each model's predictions by the xgboost that trained it are stored beside it (``<name>.npz``: x, pred), so
the test compares today's predictions with the old library's own.
"""

import pickle
import warnings
from pathlib import Path

import numpy as np
import xgboost as xgb

HERE = Path(__file__).resolve().parent
VERSION = "".join(xgb.__version__.split(".")[:2])  # "17", "21"

rng = np.random.default_rng(11)
x = rng.normal(size=(40, 4)).round(3)
score = x @ np.array([1.0, -1.5, 0.5, 0.0])
x[::7, 2] = np.nan  # missing values take each split's default branch
LABELS = {
    "binary:logistic": (score > 0).astype(float),
    "multi:softprob": np.digitize(score, [-0.7, 0.7]).astype(float),
    "reg:squarederror": score + 0.1 * rng.normal(size=40),
    "count:poisson": np.round(np.exp(score / 2)),
}
MODELS = {  # name -> (objective, extra parameters)
    "binary": ("binary:logistic", {}),
    "multi": ("multi:softprob", {"num_class": 3}),
    "dart": ("reg:squarederror", {"booster": "dart", "rate_drop": 0.2, "seed": 1}),
    "poisson": ("count:poisson", {}),
    "linear": ("reg:squarederror", {"booster": "gblinear"}),
}


def save_legacy(booster, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if VERSION.startswith("1"):
            booster.save_model(str(path))  # no .json: the binary format, as SageMaker's containers wrote it
        else:
            path.write_bytes(bytes(booster.save_raw(raw_format="deprecated")))


for name, (objective, extra) in MODELS.items():
    params = {"objective": objective, "max_depth": 3, "eta": 0.5, **extra}
    booster = xgb.train(params, xgb.DMatrix(x, label=LABELS[objective]), num_boost_round=4)
    stem = f"xgb{VERSION}-{name}"
    save_legacy(booster, HERE / f"{stem}.bin")
    np.savez(HERE / f"{stem}.npz", x=x, pred=booster.predict(xgb.DMatrix(x)))
    if name in ("binary", "multi"):
        (HERE / f"{stem}.pkl").write_bytes(pickle.dumps(booster, protocol=2))
