"""Port: XGBoost hyperparameter tuning on bank marketing (aws/amazon-sagemaker-examples, SDK v1): CSV
channels, the legacy xgboost:latest image, boto3's control plane describing the tuning job."""

from __future__ import annotations

from port_support import LIBS, NP_SPLIT, NUMPY, Change, Port, run, v2, v2_imports

PANDAS2 = "pandas 2 made get_dummies columns bool (True/False in the CSV: no XGBoost reads it)"

PORT = Port(
    name="hpo_xgboost_direct_marketing",
    repo="aws/amazon-sagemaker-examples",
    path="hyperparameter_tuning/xgboost_direct_marketing/hpo_xgboost_direct_marketing_sagemaker_python_sdk.ipynb",
    commit="0a3ff73d15b8aaea9e2a3443104fa9027fedf6cd",
    smoke="600 customers instead of 41,188; 3 trials instead of 20; 10 boosting rounds instead of 100",
    changes=(
        *v2_imports(count_import_sagemaker=1, get_execution_role=False),
        v2("from sagemaker.tuner import IntegerParameter, CategoricalParameter, ContinuousParameter, "
           "HyperparameterTuner"),
        Change("data", "!wget -N https://archive.ics.uci.edu/ml/machine-learning-databases/00222/bank-additional.zip\n"
               "!unzip -o bank-additional.zip",
               'import port_support; port_support.write_bank_additional("bank-additional/bank-additional-full.csv")'),
        Change("smoke", "num_round=100", "num_round=10"),
        Change("smoke", "max_jobs=20", "max_jobs=3"),
        Change("workaround", "np.in1d(", "np.isin(", why=LIBS, what=NUMPY),
        Change("workaround", "train_data, validation_data, test_data = np.split(",
               "import port_support\ntrain_data, validation_data, test_data = port_support.split_frame(", why=LIBS, what=NP_SPLIT),
        Change("workaround", "pd.get_dummies(data)", "pd.get_dummies(data, dtype=int)", why=LIBS, what=PANDAS2),
    ),
)


def test_hpo_xgboost_direct_marketing_notebook_runs(port_home):
    ns = run(PORT, port_home)
    import boto3

    described = boto3.client("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=ns["tuner"].latest_tuning_job.name)
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 3
    best = described["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]
    assert best["MetricName"] == "validation:auc" and 0 <= best["Value"] <= 1
