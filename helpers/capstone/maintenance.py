"""Kit: predictive maintenance of a milling machine (dataset ``maintenance``, after AI4I 2020).

One row per process, in time order (``UDI``). The target is a failure (any mode, or one mode) of this
process (horizon 0) or within the next N processes; the cost model prices a stop to inspect against a
breakdown; the baseline is today's rule, replace the tool once it has run 200 minutes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.capstone.framing import Framing, Vocabulary
from helpers.capstone.kit import DecisionCost, Frame, Kit, columns_for

__all__ = ["MaintenanceKit"]

_TARGETS = {"machine failure": "Machine failure", "tool wear failure": "TWF", "heat dissipation failure": "HDF",
            "power failure": "PWF", "overstrain failure": "OSF"}
_MODES = "recorded when the process failed, after it ran"
_GROUPS = {
    "product type": ["type_L", "type_M", "type_H"],
    "temperatures": ["air_temperature_k", "process_temperature_k", "temperature_difference_k"],
    "speed": ["rotational_speed_rpm"],
    "torque": ["torque_nm"],
    "tool wear": ["tool_wear_min"],
    "power": ["power_w"],
    "strain": ["strain_min_nm"],
    "recent history": ["torque_mean_recent_nm", "speed_mean_recent_rpm", "temperature_difference_mean_recent_k"],
}
WEAR_RULE_MIN = 200  # minutes of tool wear at which today's rule replaces the tool


class MaintenanceKit(Kit):
    name = "maintenance"
    title = "Predictive maintenance: stop the milling machine before it breaks"
    dataset = "maintenance"
    vocabulary = Vocabulary(
        unit="process",
        targets={"tool wear failure": r"tool[- ]wear failures?|twf",
                 "heat dissipation failure": r"heat dissipation failures?|hdf",
                 "power failure": r"power failures?|pwf", "overstrain failure": r"overstrain failures?|osf",
                 "machine failure": r"machine failures?|failures?|breakdowns?|breaks? down|fails"},
        absent_targets={r"remaining useful life|rul|time (?:to|until) (?:a |the )?failure":
                        "each row is one process, with no machine followed to its failure, so there is no time to "
                        "failure; predict 'a failure within the next N processes' instead.",
                        r"repair costs?|downtime hours?": "the data records whether a process failed, not what it "
                        "cost; predict the failure and price it with the kit's cost model."},
        features={"product type": r"(?:product )?types?|quality|variant", "temperatures": r"temperatures?|temps?|heat",
                  "speed": r"(?:rotational )?speed|rpm", "torque": r"torque|load",
                  "tool wear": r"tool[- ]wear|wear|tool age",
                  "power": r"power|watts?", "strain": r"strain",
                  "recent history": r"recent|history|rolling|trends?|previous process(?:es)?"},
        leaks={r"machine failure(?: flag| label)?s?": "it is the label",
               r"twf|hdf|pwf|osf|rnf|failure modes?|(?:tool wear|heat dissipation|power|overstrain|random) failures?":
               f"the failure modes are {_MODES}; 'Machine failure' is any of them"},
        units={r"process(?:es)?|rows?": 1},
        granularities={"process": r"(?:per|each|every) process|process by process"},
        default_target="machine failure", default_horizon=0, default_window=10, max_horizon=500, max_window=500,
        example_inputs=("tool wear", "torque", "rotational speed"),
    )
    cost_model = DecisionCost(miss=2_000.0, false_alarm=60.0, hit=300.0,
                              names=("missed failure (breakdown, scrapped part)", "false alarm (stop and inspect)",
                                     "caught failure (planned repair)"),
                              baseline_name=f"replace the tool at {WEAR_RULE_MIN} min of wear")
    leaky_columns = {"Machine failure": "it is the label", **{mode: f"a failure mode, {_MODES}" for mode in
                                                              ("TWF", "HDF", "PWF", "OSF", "RNF")}}
    improve_hint = ("the cost of a breakdown dwarfs an inspection: check the model scores failures (predict_proba) so "
                    "the threshold is chosen by cost; add the inputs the failure rules follow: power (torque x speed), "
                    "strain (wear x torque) and the temperature difference.")

    def starter_statement(self):
        from helpers.problem import ProblemStatement

        return ProblemStatement(
            title="Stop the milling machine before a process fails",
            problem="Processes on the milling machine fail without warning, scrapping the part and stopping the line.",
            why="A breakdown costs about $2,000 in scrapped parts, repair and lost output; a planned stop costs far less.",
            how="A classifier (supervised learning) scores each process before it runs, from its settings and the "
                "tool's wear, for a machine failure of this process; high scores stop the machine for an inspection.",
            business_metric="Breakdown, repair and inspection costs below $300,000 per 10,000 processes",
            baseline="Today's rule, replace the tool at 200 minutes of wear, costs about $490,000 per 10,000 processes",
            data_sources=["machine controller logs", "maintenance records of failures"],
            labels="Machine failure as recorded by the maintenance team after each process.",
            inputs=["product type", "air and process temperatures", "rotational speed", "torque", "tool wear"],
            bias="Random failures and rare modes (heat dissipation) have few examples; one machine only.",
        )

    def _build(self, raw: pd.DataFrame, framing: Framing) -> Frame:
        raw = raw.sort_values("UDI").reset_index(drop=True)
        event = raw[_TARGETS[framing.target]].astype(float)
        h = framing.horizon
        # Horizon 0: this process fails; N: one of the next N processes fails (the last N rows cannot be labelled).
        y = event if h == 0 else event[::-1].rolling(h, min_periods=h).max()[::-1].shift(-1)
        temperature_difference = raw["Process temperature [K]"] - raw["Air temperature [K]"]
        recent = lambda s: s.rolling(framing.window, min_periods=1).mean()  # this process and the ones before it
        table = pd.DataFrame({
            **{f"type_{t}": (raw["Type"] == t).astype("int64") for t in "LMH"},
            "air_temperature_k": raw["Air temperature [K]"],
            "process_temperature_k": raw["Process temperature [K]"],
            "temperature_difference_k": temperature_difference,
            "rotational_speed_rpm": raw["Rotational speed [rpm]"].astype(float),
            "torque_nm": raw["Torque [Nm]"],
            "tool_wear_min": raw["Tool wear [min]"].astype(float),
            "power_w": raw["Torque [Nm]"] * raw["Rotational speed [rpm]"] * 2 * np.pi / 60,
            "strain_min_nm": raw["Tool wear [min]"] * raw["Torque [Nm]"],
            "torque_mean_recent_nm": recent(raw["Torque [Nm]"]),
            "speed_mean_recent_rpm": recent(raw["Rotational speed [rpm]"].astype(float)),
            "temperature_difference_mean_recent_k": recent(temperature_difference),
        })
        keep = y.notna().to_numpy()
        context = pd.DataFrame({"baseline": (raw["Tool wear [min]"] >= WEAR_RULE_MIN).astype(float)})
        return Frame(X=table.loc[keep, columns_for(_GROUPS, framing)], y=y[keep].astype("int64").rename("failure"),
                     time=raw.loc[keep, "UDI"], context=context[keep], framing=framing)
