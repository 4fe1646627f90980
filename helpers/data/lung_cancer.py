"""The lung-cancer toy table: gender, age, smoker and eye colour -> lung cancer, 13 rows.

Generating process (seeded; published in datasets/README.md): gender 50/50, age uniform on 25-79
years, smoker with probability 0.45; lung cancer drawn with log-odds ``-3 + 3.2 * smoker + 0.08 *
(age - 55)`` (smoking and age matter, gender does not). Eye colour is dealt *after* the outcome, in
turn within the patients with cancer and within those without, so every colour has as close to the
same cancer rate as 13 rows allow: eye colour has no effect on the outcome, on purpose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 28
EYE_COLORS = ("brown", "blue", "green")


def generate(seed: int = SEED, n_rows: int = 13) -> pd.DataFrame:
    """The toy table. Columns: patient_id, gender (female/male), age (years), smoker (bool),
    eye_color (brown/blue/green), lung_cancer (bool). ``n_rows`` > 13 gives a larger sample of the
    same process (for the sample-size discussion)."""
    rng = np.random.default_rng(seed)
    gender = np.array(["female", "male"])[rng.integers(0, 2, n_rows)]
    age = rng.integers(25, 80, n_rows)
    smoker = rng.random(n_rows) < 0.45
    log_odds = -3.0 + 3.2 * smoker + 0.08 * (age - 55)
    cancer = rng.random(n_rows) < 1 / (1 + np.exp(-log_odds))
    eye = np.empty(n_rows, dtype=object)
    offset = 0
    for outcome in (True, False):
        # Deal colours round-robin within each outcome group, continuing where the last group stopped,
        # so the colour counts stay balanced overall and within each group.
        members = rng.permutation(np.flatnonzero(cancer == outcome))
        for k, row in enumerate(members):
            eye[row] = EYE_COLORS[(offset + k) % len(EYE_COLORS)]
        offset += len(members)
    return pd.DataFrame({
        "patient_id": np.arange(1, n_rows + 1),
        "gender": pd.array(gender, dtype="str"),
        "age": age.astype("int64"),
        "smoker": smoker,
        "eye_color": pd.array(eye, dtype="str"),
        "lung_cancer": cancer,
    })
