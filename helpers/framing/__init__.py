"""Framing an ML project before any model: rules or learning, buy or build, readiness, the business model canvas, personal data.

One small module per job, written to be read:

* :mod:`~helpers.framing.decisions`: the shape of the decision exercises (cases, an option and reasons
  from fixed lists), judged on the decision, not the spelling.
* :mod:`~helpers.framing.rules_or_learning`: classical programming or ML: nine cases.
* :mod:`~helpers.framing.rules_demo`: a hand-written rule vs a learned model at equal workload, measured
  (the rule wins on heat failures, learning on churn).
* :mod:`~helpers.framing.buy_or_build`: the stack (AI services to frameworks) as data, "pick two", nine cases.
* :mod:`~helpers.framing.automl_demo`: a tiny AutoML search vs hand-tuned models on one budget, and its
  diminishing returns, measured.
* :mod:`~helpers.framing.readiness`: the data / people / business / technology checklist for a ProblemStatement.
* :mod:`~helpers.framing.canvas`: the Business Model Canvas and where the course's scenarios add value.
* :mod:`~helpers.framing.privacy`: personal data in the customer table: classify, minimise, pseudonymise,
  age bands, k-anonymity.
* :mod:`~helpers.framing.protected`: what must not be a feature, measured: a salary model given sex
  learns the table's gender gap.
* :mod:`~helpers.framing.flywheel`: the ML flywheel filled in for one's own problem, validated and drawn.

    from helpers.framing import automl_demo, buy_or_build, canvas, flywheel, privacy, protected, readiness, rules_demo, rules_or_learning
"""

from helpers.framing import (automl_demo, buy_or_build, canvas, decisions, flywheel, privacy, protected, readiness,
                             rules_demo, rules_or_learning)

__all__ = ["automl_demo", "buy_or_build", "canvas", "decisions", "flywheel", "privacy", "protected", "readiness",
           "rules_demo", "rules_or_learning"]
