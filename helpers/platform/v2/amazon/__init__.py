"""SDK v2's ``sagemaker.amazon``: the first-party algorithm estimators on RecordIO-protobuf data
(``kmeans``, ``pca``, ``linear_learner``, ``factorization_machines``, ``knn``, ``randomcutforest``), their
predictors and models, ``amazon_estimator`` (``RecordSet``, ``get_image_uri``) and ``common``
(``RecordSerializer``, ``write_numpy_to_dense_tensor``, ``read_records``...). NTM, LDA, IP Insights and
Object2Vec are not here: the kit has no local implementation of those algorithms.
"""
