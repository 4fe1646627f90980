"""Every file format SageMaker's XGBoost has written as ``xgboost-model``, loaded with today's xgboost.

* XGBoost's JSON and UBJSON model formats (the kit's own jobs, SageMaker XGBoost 2.x): xgboost reads them.
* The legacy binary format (``binf``; SageMaker XGBoost 1.3-1 to 1.7-1, ``Booster.save_model`` of XGBoost
  1.x): xgboost 3 no longer reads it, so :func:`legacy_to_json` translates it into the JSON model format,
  field for field (learner parameters, gbtree / dart / gblinear, trees, attributes).
* A pickled ``Booster`` (SageMaker XGBoost 0.90 to 1.2, and script-mode ``pickle.dump(booster)``), or a
  pickled scikit-learn ``XGBModel``: xgboost unpickles its recent snapshots itself; the older ones hold
  the legacy binary model (0.90) or ``CONFIG-offset:`` + binary model + JSON config (1.0 to 1.2), and are
  translated as above.

Unpickling runs code by design. :func:`load_booster` reads one local file, never a URL: the files it gets
are the learner's own (what their jobs or ``build()`` put in their own store, unpacked after its sha256
check), as SageMaker's own XGBoost container unpickles the learner's own model.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMATS", "ModelFormatError", "load_booster", "legacy_to_json"]

#: What :func:`load_booster` reads, in the words its error message uses.
FORMATS = ("XGBoost JSON", "UBJSON", "the legacy binary format of XGBoost < 2 (SageMaker XGBoost 1.3-1 to 1.7-1)",
           "a pickled Booster or XGBModel (SageMaker XGBoost 0.90 to 1.2, script mode)")
SAVE_HINT = ("Save the model with xgboost's booster.save_model('xgboost-model.json') and rename it xgboost-model "
             "(or booster.save_raw('json') into that file), then pack it as model.tar.gz.")

_LEARNER = struct.Struct("<fIiiiII" + "i" * 27)  # LearnerModelParamLegacy: 136 bytes
_GBTREE = struct.Struct("<iiiiqii" + "i" * 32)  # GBTreeModelParam: 160 bytes
_TREE = struct.Struct("<iiiiii" + "i" * 31)  # TreeParam: 148 bytes
_GBLINEAR = struct.Struct("<Ii" + "i" * 32)  # GBLinearModelParam: 136 bytes
_NODE = np.dtype([("parent", "<u4"), ("left", "<i4"), ("right", "<i4"), ("sindex", "<u4"), ("value", "<f4")])
_STAT = np.dtype([("loss_chg", "<f4"), ("sum_hess", "<f4"), ("base_weight", "<f4"), ("leaf_count", "<i4")])
_LOW31 = 0x7FFFFFFF
_SNAPSHOT = b"CONFIG-offset:"  # XGBoost 1.0-1.2's pickled snapshot: this, int64 n, n bytes of binary model, JSON


class ModelFormatError(ValueError):
    """A model file none of :data:`FORMATS` reads; the message says what was tried and how to save one."""


# ------------------------------------------------------------------------------------------- reading

class _Reader:
    """Little-endian reads from a legacy model, each failing with the byte offset where the file ended."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise ValueError(f"the file ends at byte {len(self.data)}, inside a field at byte {self.at}")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out

    def unpack(self, layout: struct.Struct) -> tuple:
        return layout.unpack(self.take(layout.size))

    def string(self) -> str:
        (n,) = struct.unpack("<Q", self.take(8))
        return self.take(n).decode("utf-8")

    def floats(self) -> list[float]:
        (n,) = struct.unpack("<Q", self.take(8))
        return np.frombuffer(self.take(4 * n), "<f4").astype(float).tolist()

    def array(self, dtype: np.dtype, n: int) -> np.ndarray:
        return np.frombuffer(self.take(dtype.itemsize * n), dtype)


def _tree(reader: _Reader, index: int) -> dict:
    """One RegTree (TreeParam, nodes, stats) as the JSON model format's tree object."""
    _, num_nodes, num_deleted, _, num_feature, *_ = reader.unpack(_TREE)
    if not 0 < num_nodes < 2 ** 31:
        raise ValueError(f"tree {index} claims {num_nodes} nodes")
    nodes = reader.array(_NODE, num_nodes)
    stats = reader.array(_STAT, num_nodes)
    zeros = [0] * num_nodes
    return {
        "base_weights": stats["base_weight"].astype(float).tolist(),
        "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
        "default_left": (nodes["sindex"] >> 31).astype(int).tolist(),
        "id": index,
        "left_children": nodes["left"].astype(int).tolist(),
        "loss_changes": stats["loss_chg"].astype(float).tolist(),
        "parents": (nodes["parent"] & _LOW31).astype(int).tolist(),  # the top bit only said "left child"
        "right_children": nodes["right"].astype(int).tolist(),
        "split_conditions": nodes["value"].astype(float).tolist(),  # a leaf's value, or the split's threshold
        "split_indices": (nodes["sindex"] & _LOW31).astype(int).tolist(),
        "split_type": zeros,
        "sum_hessian": stats["sum_hess"].astype(float).tolist(),
        "tree_param": {"num_deleted": str(num_deleted), "num_feature": str(num_feature),
                       "num_nodes": str(num_nodes), "size_leaf_vector": "1"},
    }


def _gbtree(reader: _Reader) -> dict:
    num_trees, num_parallel, *_ = reader.unpack(_GBTREE)
    if not 0 <= num_trees < 2 ** 31:
        raise ValueError(f"the model claims {num_trees} trees")
    trees = [_tree(reader, i) for i in range(num_trees)]
    tree_info = reader.array(np.dtype("<i4"), num_trees).astype(int).tolist()
    per_round = max(1, num_parallel) * (max(tree_info) + 1 if tree_info else 1)
    if num_trees % per_round:
        raise ValueError(f"{num_trees} trees do not make whole rounds of {per_round}")
    return {"gbtree_model_param": {"num_parallel_tree": str(max(1, num_parallel)), "num_trees": str(num_trees)},
            "iteration_indptr": list(range(0, num_trees + 1, per_round)),
            "tree_info": tree_info, "trees": trees}


def _gblinear(reader: _Reader) -> dict:
    reader.unpack(_GBLINEAR)
    return {"boosted_rounds": 1, "weights": reader.floats()}  # rounds are not stored; prediction ignores them


def _attributes(reader: _Reader) -> dict[str, str]:
    (n,) = struct.unpack("<Q", reader.take(8))
    return dict((reader.string(), reader.string()) for _ in range(n))


def _prediction_transform(objective: str, margin: float) -> float:
    """What the objective makes of a margin (XGBoost < 1.0 stored base_score as a margin)."""
    if objective in ("binary:logistic", "reg:logistic"):
        return 1.0 / (1.0 + math.exp(-margin))
    if objective in ("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox"):
        return math.exp(margin)
    return margin


def legacy_to_json(data: bytes) -> dict:
    """XGBoost's legacy binary model (``binf``...) as the JSON model format, for ``Booster.load_model``.

    Raises ValueError when ``data`` is not such a model (the message says where it stopped making sense).
    """
    reader = _Reader(data[4:] if data[:4] == b"binf" else data)
    base_score, num_feature, num_class, extra_attrs, _, major, *_ = reader.unpack(_LEARNER)
    objective, booster = reader.string(), reader.string()
    if booster not in ("gbtree", "dart", "gblinear") or not objective or num_feature <= 0:
        raise ValueError(f"not a legacy XGBoost model (booster {booster[:20]!r}, objective {objective[:30]!r})")
    if booster == "gblinear":
        gradient_booster = {"model": _gblinear(reader), "name": "gblinear"}
    else:
        model = _gbtree(reader)
        gradient_booster = {"model": model, "name": "gbtree"}
        if booster == "dart":
            gradient_booster = {"gbtree": gradient_booster, "name": "dart", "weight_drop": reader.floats()}
    attributes = _attributes(reader) if extra_attrs else {}
    objective = "reg:squarederror" if objective == "reg:linear" else objective  # renamed in 1.0
    if major < 1 and not objective.startswith("multi:"):
        base_score = _prediction_transform(objective, base_score)
    config = attributes.pop("objective", None)
    for key in ("metrics", "count_poisson_max_delta_step"):
        attributes.pop(key, None)
    learner = _template(objective, num_class, booster)
    if config:
        learner["objective"] = json.loads(config)
        learner["objective"]["name"] = objective
    outputs = max(1, num_class) if objective.startswith("multi:") else 1
    learner.update(
        attributes={k: v for k, v in attributes.items() if not k.startswith("SAVED_PARAM_")},
        gradient_booster=gradient_booster, feature_names=[], feature_types=[],
        learner_model_param={"base_score": "[" + ",".join([repr(float(base_score))] * outputs) + "]",
                             "boost_from_average": "0", "num_class": str(num_class),
                             "num_feature": str(num_feature), "num_target": "1"})
    return {"learner": learner, "version": _version()}


def _template(objective: str, num_class: int, booster: str) -> dict:
    """The ``learner`` object today's xgboost writes for this objective (its objective's parameter
    block), from a one-round model on two rows; the caller replaces everything the old file holds."""
    import xgboost as xgb

    params: dict[str, Any] = {"objective": objective, "booster": "gblinear" if booster == "gblinear" else "gbtree"}
    label = np.zeros(2) if objective.startswith("multi:") else np.ones(2)
    if objective.startswith("multi:"):
        params["num_class"] = max(2, num_class)
    try:
        model = xgb.train(params, xgb.DMatrix(np.zeros((2, 1)), label=label), num_boost_round=1)
    except xgb.core.XGBoostError as exc:
        raise ValueError(f"objective {objective!r} cannot be rebuilt by xgboost {xgb.__version__}: "
                         f"{str(exc).strip().splitlines()[0]}") from None
    return json.loads(bytes(model.save_raw(raw_format="json")))["learner"]


def _version() -> list[int]:
    import xgboost as xgb

    return [int(part) for part in xgb.__version__.split(".")[:3] if part.isdigit()]


# ------------------------------------------------------------------------------------------ loading

def _from_model_bytes(data: bytes):
    """A Booster from JSON / UBJSON bytes (xgboost itself) or legacy binary bytes (translated)."""
    import xgboost as xgb

    booster = xgb.Booster()
    if data[:1] == b"{":
        booster.load_model(bytearray(data))
    else:
        booster.load_model(bytearray(json.dumps(legacy_to_json(data)).encode()))
    return booster


class _PickledBooster:
    """Stands in for ``xgboost.core.Booster`` while unpickling: keeps its state for :func:`_from_pickle`."""

    def __setstate__(self, state: dict) -> None:
        self.state = state


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("xgboost") and name == "Booster":
            return _PickledBooster
        return super().find_class(module, name)


def _booster_of(obj: Any) -> _PickledBooster | None:
    if isinstance(obj, _PickledBooster):
        return obj
    inner = getattr(obj, "__dict__", {}).get("_Booster")  # xgboost's scikit-learn models keep it here
    return inner if isinstance(inner, _PickledBooster) else None


def _from_pickle(data: bytes):
    import xgboost as xgb

    # Runs code, like any unpickling: only ever called on the learner's own model file (module docstring).
    found = _booster_of(_Unpickler(io.BytesIO(data)).load())
    if found is None:
        raise ValueError("the pickle holds no xgboost Booster or XGBModel")
    state = dict(found.state)
    raw = bytes(state.get("handle") or b"")
    if not raw:
        raise ValueError("the pickled Booster is empty (never trained)")
    booster = xgb.Booster()
    try:  # snapshots of XGBoost >= 1.3 (JSON / UBJSON)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            booster.__setstate__({**state, "handle": bytearray(raw)})
        booster.num_features()
    except (xgb.core.XGBoostError, UnicodeDecodeError):
        if raw.startswith(_SNAPSHOT):  # XGBoost 1.0-1.2: the binary model comes first
            (size,) = struct.unpack("<q", raw[len(_SNAPSHOT):len(_SNAPSHOT) + 8])
            raw = raw[len(_SNAPSHOT) + 8:len(_SNAPSHOT) + 8 + size]
        booster = _from_model_bytes(raw)  # XGBoost 0.90 pickled the binary model itself
    for name in ("feature_names", "feature_types"):
        if state.get(name) is not None:
            setattr(booster, name, state[name])
    return booster


def load_booster(path: Path):
    """The ``xgboost.Booster`` in ``path``, whichever of :data:`FORMATS` it is in.

    Raises :class:`ModelFormatError` naming the formats tried and how to save a model that loads.
    """
    data = Path(path).read_bytes()
    attempts = ([("pickle", _from_pickle)] if data[:1] == b"\x80" else []) + [("model", _from_model_bytes)]
    reasons = []
    for kind, loader in attempts:
        try:
            return loader(data)
        except Exception as exc:  # every reader's own failure is reported below, none is fatal alone
            reasons.append(f"as {kind}: {_first_line(exc)}")
    raise ModelFormatError(
        f"{Path(path).name} ({len(data)} bytes, starting {data[:8]!r}) is not an XGBoost model this kit reads. "
        f"Tried {'; '.join(FORMATS)} ({'; '.join(reasons)}). {SAVE_HINT}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
