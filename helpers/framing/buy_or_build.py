"""Buy or build: the stack of options from ready-made AI services to your own framework code, as data.

From the top of the stack (buy) to the bottom (build):

* **AI services**: a pre-trained model behind an API, for tasks many businesses share: vision,
  speech, language, forecasting, personalisation, fraud (:data:`AI_SERVICES`). Days to use, pay per call.
* **pre-trained models**, from a model marketplace or hub: you host them yourself.
* **transfer learning**: a pre-trained model adapted (fine-tuned) with a few hundred or thousand of
  your own labels.
* **AutoML**: your own labelled table in, a tuned model out, with no ML expert.
* **ML platforms**: managed tools to train, tune, deploy and monitor many models of your own.
* **frameworks**: PyTorch, TensorFlow, scikit-learn, XGBoost: anything, at the price of an ML team.

"Cost, time to market, accuracy: pick two." Each option is scored 1-3 on each of the three
(:data:`TRADE_OFFS`, 3 = best: cheapest, fastest, most accurate *on your own problem*); no option has
3 on all three, which :func:`pick_two` makes visible. Accuracy also has diminishing returns: the
next point costs more than the last (measured in :mod:`helpers.framing.automl_demo`).

    from helpers.framing import buy_or_build as bb
    bb.stack()                                   # the options as a table
    bb.pick_two("time to market", "cost")        # options ranked on the two you picked
    print(bb.EXERCISE.printable())               # the business cases of the decision exercise
    print(bb.EXERCISE.judge(answers).summary())  # answers: {case: (option, {reasons})}
"""

from __future__ import annotations

import pandas as pd

from helpers.framing.decisions import Case, Exercise, normalise

__all__ = ["MISTAKES", "mistaken_answers", "OPTIONS", "AI_SERVICES", "TRADE_OFFS", "CRITERIA", "REASONS", "CASES", "EXERCISE", "stack", "pick_two"]

#: The options, top of the stack (buy) to bottom (build).
OPTIONS = ("AI service", "pre-trained model", "transfer learning", "AutoML", "ML platform", "framework")

#: AI services by domain: (what they do, examples on AWS).
AI_SERVICES: dict[str, tuple[str, str]] = {
    "vision": ("find objects, faces and text in images and video", "Amazon Rekognition, Amazon Textract"),
    "speech": ("speech to text and text to speech", "Amazon Transcribe, Amazon Polly"),
    "language": ("sentiment, entities, translation, chatbots", "Amazon Comprehend, Amazon Translate, Amazon Lex"),
    "forecasting": ("forecast demand or load from past series", "Amazon Forecast (now in SageMaker Canvas)"),
    "personalisation": ("recommendations and personalised ranking", "Amazon Personalize"),
    "fraud": ("score online payments and sign-ups for fraud", "Amazon Fraud Detector"),
}

#: The three things a project trades against one another.
CRITERIA = ("cost", "time to market", "accuracy")

#: Per option: what it is, what you bring (data, skills), an example, and scores 1-3 per criterion
#: (3 = cheapest / fastest / most accurate on your own problem).
TRADE_OFFS: dict[str, dict[str, object]] = {
    "AI service": {"what": "a pre-trained model behind an API", "data": "none", "skills": "app developers",
                   "example": "Amazon Textract reads receipts", "time": "days",
                   "cost": 3, "time to market": 3, "accuracy": 1},
    "pre-trained model": {"what": "a ready model from a marketplace or hub, hosted by you", "data": "none",
                          "skills": "an engineer who can deploy a model", "example": "a sentiment model from "
                          "SageMaker JumpStart or AWS Marketplace", "time": "days to weeks",
                          "cost": 2, "time to market": 3, "accuracy": 1},
    "transfer learning": {"what": "a pre-trained model fine-tuned on your labels", "data": "hundreds to thousands "
                          "of labels", "skills": "an ML engineer", "example": "an image model fine-tuned on 3,000 "
                          "photos of your welds", "time": "weeks", "cost": 2, "time to market": 2, "accuracy": 3},
    "AutoML": {"what": "your labelled table in, a tuned model out", "data": "a labelled table",
               "skills": "analysts", "example": "SageMaker Autopilot on the CRM table", "time": "days to weeks",
               "cost": 2, "time to market": 3, "accuracy": 2},
    "ML platform": {"what": "managed training, tuning, deployment and monitoring of your own models",
                    "data": "your own, plenty", "skills": "data scientists and ML engineers",
                    "example": "SageMaker for 60 models retrained monthly", "time": "weeks to months",
                    "cost": 1, "time to market": 2, "accuracy": 3},
    "framework": {"what": "your own code on PyTorch, TensorFlow, scikit-learn, XGBoost", "data": "your own, plenty",
                  "skills": "a strong ML team", "example": "an insurer's own pricing model", "time": "months",
                  "cost": 1, "time to market": 1, "accuracy": 3},
}


def stack() -> pd.DataFrame:
    """The options as a table, top of the stack (buy) first: what, data, skills, time, example and the scores."""
    frame = pd.DataFrame.from_dict(TRADE_OFFS, orient="index")
    frame.index.name = "option"
    return frame[["what", "data", "skills", "time", "example", *CRITERIA]]


def pick_two(first: str, second: str) -> pd.DataFrame:
    """The options ranked by their scores on the two criteria picked (best first), with the third alongside.

    The third criterion is what the choice gives up: no option scores 3 on all three.
    """
    picked = [_criterion(first), _criterion(second)]
    if picked[0] == picked[1]:
        raise ValueError(f"pick two different criteria from {list(CRITERIA)}; both were {picked[0]!r}.")
    third = next(c for c in CRITERIA if c not in picked)
    table = stack()[[*picked, third]].astype(int)
    table["picked"] = table[picked].sum(axis=1)
    return table.sort_values(["picked", third], ascending=False, kind="stable")


def _criterion(text: str) -> str:
    aliases = {"time": "time to market", "speed": "time to market", "price": "cost", "quality": "accuracy"}
    wanted = normalise(text)
    wanted = aliases.get(wanted, wanted)
    if wanted not in CRITERIA:
        raise ValueError(f"{text!r} is not a criterion: pick two of {list(CRITERIA)}.")
    return wanted


#: The reasons a learner may give for a choice, key -> what it means.
REASONS: dict[str, str] = {
    "generic task": "many businesses share the task (reading text, transcribing speech, translating, recommending)",
    "no labelled data": "there are no labelled examples of one's own yet",
    "few own labels": "there are only hundreds or a few thousand labelled examples",
    "plenty of own labels": "there are many labelled examples of one's own",
    "needed within weeks": "it must be in use within weeks",
    "no ML team": "nobody in the team builds ML models",
    "specific to our business": "the task or data is specific to this business; no ready-made model knows it",
    "a close pre-trained model exists": "a model trained on a similar task exists and only needs adapting",
    "tabular data": "the data is a table of rows and columns (CRM, transactions), AutoML's home ground",
    "accuracy is the edge": "a few points of accuracy are worth a lot: the model is the product's edge",
    "many models to run": "the team trains, deploys and monitors many models and needs shared tooling",
}

#: The business cases, each with the options accepted (first = model answer) and every reason that applies.
CASES: tuple[Case, ...] = (
    Case("receipts", "A retailer wants to read the text off scanned receipts next month, with two app developers "
                     "and no labelled receipts.",
         "AI service", {"generic task", "no labelled data", "needed within weeks", "no ML team"},
         "reading text is a solved, generic task: an OCR service (Amazon Textract) works in days; measure it on a "
         "sample of the receipts before building anything."),
    Case("call_centre", "An insurer wants transcripts and the sentiment of 10,000 support calls a week, this "
                        "quarter; its IT team has no ML experience.",
         "AI service", {"generic task", "no labelled data", "needed within weeks", "no ML team"},
         "speech to text and sentiment are generic: Amazon Transcribe and Comprehend do it today."),
    Case("shop_recommendations", "An online shop of 50 people wants 'customers also bought' before Christmas; it has "
                                 "two years of clicks and orders but nobody who builds models.",
         "AI service", {"generic task", "needed within weeks", "no ML team", "plenty of own labels"},
         "recommendations from clicks and orders are what a personalisation service (Amazon Personalize) is for."),
    Case("weld_defects", "A factory wants to spot faulty welds in photos of its own parts; inspectors labelled 3,000 "
                         "photos, and it has one ML engineer.",
         "transfer learning", {"specific to our business", "a close pre-trained model exists", "few own labels"},
         "no service knows these welds, and 3,000 photos are too few to train from scratch: fine-tune an image "
         "model pre-trained on millions of photos."),
    Case("xray", "A hospital wants to flag a rare lung condition on X-rays; radiologists labelled 800 images and a "
                 "research partner offers a model pre-trained on 100,000 chest X-rays.",
         "transfer learning", {"specific to our business", "a close pre-trained model exists", "few own labels"},
         "800 labels adapt a close pre-trained model well; they are far too few to train one."),
    Case("churn_scores", "A telecom's analysts (SQL and spreadsheets, no ML engineers) want a churn score per "
                         "customer this quarter, from a labelled table of 7,000 customers.",
         "AutoML", {"tabular data", "no ML team", "needed within weeks", "plenty of own labels"},
         "a labelled table and no ML engineers is AutoML's home ground (SageMaker Autopilot or Canvas)."),
    Case("review_sentiment", "A marketplace wants to sort product reviews in five languages into positive and "
                             "negative within a month; it has no labelled reviews.",
         ("AI service", "pre-trained model"), {"generic task", "no labelled data", "needed within weeks"},
         "sentiment is generic: a language service or a pre-trained multilingual model does it without labels."),
    Case("bank_models", "A bank's 30 data scientists run 60 models (credit, fraud, marketing), retrained monthly "
                        "and audited every year.",
         "ML platform", {"many models to run", "plenty of own labels"},
         "60 models to train, deploy, monitor and audit need a platform (SageMaker) more than any one algorithm."),
    Case("insurance_pricing", "An insurer's pricing model is its competitive edge; it has ten years of claims and an "
                              "ML team of 40.",
         ("framework", "ML platform"), {"accuracy is the edge", "specific to our business", "plenty of own labels"},
         "when a point of accuracy is worth millions and the team exists, build: own code on a framework "
         "(run on a platform)."),
)

#: The exercise, ready to print and to judge answers; common other spellings of the options are accepted.
EXERCISE = Exercise(
    "buy or build",
    OPTIONS,
    REASONS,
    CASES,
    aliases={"ai services": "AI service", "api": "AI service", "service": "AI service", "buy": "AI service",
             "pretrained model": "pre-trained model", "pre trained model": "pre-trained model",
             "model marketplace": "pre-trained model", "marketplace": "pre-trained model",
             "fine tuning": "transfer learning", "fine tune": "transfer learning", "finetuning": "transfer learning",
             "auto ml": "AutoML", "autopilot": "AutoML", "platform": "ML platform", "ml platforms": "ML platform",
             "sagemaker": "ML platform", "frameworks": "framework", "build": "framework",
             "build it ourselves": "framework"},
)

#: Typical mistakes, for the exercise's check and its tests: name -> changes to the model answers.
MISTAKES: dict[str, dict[str, tuple[str, set[str]]]] = {
    "build everything": {c.key: ("framework", {"accuracy is the edge"}) for c in CASES},
    "a service for a task only we have": {"weld_defects": ("AI service", {"generic task"})},
    "AutoML on photos": {"weld_defects": ("AutoML", {"few own labels"})},
    "building a generic task": {"receipts": ("framework", {"specific to our business"})},
    "the right choice for a wrong reason": {"churn_scores": ("AutoML", {"a close pre-trained model exists"})},
}


def mistaken_answers(name: str) -> dict[str, tuple[str, set[str]]]:
    """The model answers with the typical mistake ``name`` of :data:`MISTAKES` made."""
    return {**EXERCISE.model_answers(), **MISTAKES[name]}
