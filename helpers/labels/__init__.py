"""Labels at scale: several annotators per item, consolidating their answers, and choosing what to label next.

One small module per job, written to be read:

* :mod:`~helpers.labels.penguins`: the items of the examples (342 measured penguins and their species).
* :mod:`~helpers.labels.annotators`: an annotator is a confusion matrix and a price (expert, careless,
  spammer, biased; :func:`~helpers.labels.annotators.default_crew`).
* :mod:`~helpers.labels.jobs`: a simulated labelling job (the long table ``item, annotator, label``)
  and its bill (:func:`~helpers.labels.jobs.labelling_cost`).
* :mod:`~helpers.labels.consolidation`: majority vote and Dawid-Skene EM; accuracy against the truth.
* :mod:`~helpers.labels.designs`: several job designs (crew, answers per item) compared on cost and accuracy.
* :mod:`~helpers.labels.active`: uncertainty vs random sampling on one label budget, measured.
* :mod:`~helpers.labels.curves`: the learning-curve figure and its summary.

    from helpers.labels import active, annotators, consolidation, curves, designs, jobs, penguins

    truth = penguins.load()["species"]                       # 342 birds: the answer key
    crew = annotators.default_crew(penguins.SPECIES)
    answers = jobs.simulate_annotations(truth, crew, per_item=3, seed=0)
    print(jobs.labelling_cost(answers, crew))                # $0.485 per item
    ds = consolidation.dawid_skene(answers)                  # vs consolidation.majority_vote(answers)
    consolidation.accuracy(ds.labels, truth), ds.accuracy    # 93.0% (the vote: 85.4%); per-annotator quality
    result = active.compare_strategies(active.penguin_task())
    print(curves.plot_learning_curves(result))               # uncertainty: median 6 labels, random: 13
"""

from helpers.labels import active, annotators, consolidation, curves, designs, jobs, penguins

__all__ = ["active", "annotators", "consolidation", "curves", "designs", "jobs", "penguins"]
