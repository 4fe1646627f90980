"""The everyday SDK names public notebooks call, and how close our signatures are to the installed SDK's.

``test_every_sdk_twin_takes_the_sdks_arguments`` compares every public class and function of
helpers.platform that mirrors an SDK name with ``inspect.signature``: each SDK parameter we lack is
listed in KNOWN_GAPS with the reason, so a new gap (an SDK upgrade, or a signature changed here)
fails with the list of differences.
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings

import pytest

from aws_support import mock_aws_account
from helpers.platform import IgnoredArgumentWarning, Session, get_execution_role

#: our public name -> the SDK name it mirrors (SDK 3.27)
MIRRORS = {
    "helpers.platform.session:Session": "sagemaker.core.helper.session_helper:Session",
    "helpers.platform.session:get_execution_role": "sagemaker.core.helper.session_helper:get_execution_role",
    "helpers.platform.trainer:ModelTrainer": "sagemaker.train.model_trainer:ModelTrainer",
    "helpers.platform.tuning.tuner:HyperparameterTuner": "sagemaker.train.tuner:HyperparameterTuner",
    "helpers.platform.serving.model_builder:ModelBuilder": "sagemaker.serve.model_builder:ModelBuilder",
    "helpers.platform.serving.inference_spec:InferenceSpec": "sagemaker.serve.spec.inference_spec:InferenceSpec",
    "helpers.platform.serving.inference_spec:SchemaBuilder": "sagemaker.serve.builder.schema_builder:SchemaBuilder",
    "helpers.platform.serving.inference_spec:CustomPayloadTranslator":
        "sagemaker.serve.marshalling.custom_payload_translator:CustomPayloadTranslator",
    "helpers.platform.serving.transform:Transformer": "sagemaker.core.transformer:Transformer",
    "helpers.platform.serving.inference_spec:LocalEndpoint": "sagemaker.serve.local_resources:LocalEndpoint",
    "helpers.platform.serving.endpoint:Endpoint": "sagemaker.core.resources:Endpoint",
    "helpers.platform.serving.resources:EndpointConfig": "sagemaker.core.resources:EndpointConfig",
    "helpers.platform.serving.resources:Model": "sagemaker.core.resources:Model",
}

#: "<name>.<method>" -> SDK parameters we do not take, and why. Keep it short: close a gap a notebook hits.
KNOWN_GAPS = {
    # the SDK's LocalEndpoint is made by ModelBuilder.deploy_local() from its container internals
    "LocalEndpoint.__init__": {"endpoint_config_name", "local_session", "local_model", "in_process_mode",
                               "local_container_mode_obj", "in_process_mode_obj", "model_server", "secret_key",
                               "serializer", "deserializer", "container_config"},
    "LocalEndpoint.create": {"local_session", "local_model", "in_process_mode", "local_container_mode_obj",
                             "in_process_mode_obj", "model_server", "secret_key", "serializer", "deserializer",
                             "container_config"},
}


def _load(import_string: str):
    module, _, attribute = import_string.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _named(parameters) -> set[str]:
    return {name for name, p in parameters.items()
            if name not in ("self", "cls") and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def _swallows(parameters) -> bool:
    return any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _mirrored_callables():
    """("<name>.<method>", ours, the SDK's) for every mirrored function, constructor, and public method
    both classes have."""
    for ours_name, sdk_name in MIRRORS.items():
        ours, theirs = _load(ours_name), _load(sdk_name)
        short = ours_name.rpartition(":")[2]
        if not isinstance(ours, type):
            yield short, ours, theirs
            continue
        yield f"{short}.__init__", ours.__init__, theirs.__init__
        for name, member in inspect.getmembers(theirs):
            if not name.startswith("_") and callable(member) and callable(getattr(ours, name, None)):
                yield f"{short}.{name}", getattr(ours, name), member


def signature_gaps() -> dict[str, set[str]]:
    """"<name>.<method>" -> the SDK's parameters ours lacks, for the constructor and every public
    method both have (a method taking ``**kwargs`` counts as taking every name)."""
    gaps: dict[str, set[str]] = {}
    for label, our_callable, sdk_callable in _mirrored_callables():
        try:
            our_parameters = inspect.signature(our_callable).parameters
            sdk_parameters = inspect.signature(sdk_callable).parameters
        except (TypeError, ValueError):
            continue
        if _swallows(our_parameters):
            continue
        missing = _named(sdk_parameters) - _named(our_parameters)
        if missing:
            gaps[label] = missing
    return gaps


@pytest.fixture
def sdk(monkeypatch):
    """The installed SDK, importable offline (some of its modules make a boto3 client at import)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return pytest.importorskip("sagemaker")


def test_every_sdk_twin_takes_the_sdks_arguments(sdk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK's own import-time deprecation notices
        found = signature_gaps()
    new = {k: sorted(v - KNOWN_GAPS.get(k, set())) for k, v in found.items() if v - KNOWN_GAPS.get(k, set())}
    closed = {k: sorted(v - found.get(k, set())) for k, v in KNOWN_GAPS.items() if v - found.get(k, set())}
    assert not new, f"SDK parameters our twins lack (take them, or list them in KNOWN_GAPS with why): {new}"
    assert not closed, f"gaps now closed: remove them from KNOWN_GAPS: {closed}"


#: "<name>.<method>" -> where our positional order leaves the SDK's (index of the first difference).
#: A call passing that many arguments positionally means something else here; all are keyword in practice.
KNOWN_ORDER = {
    "HyperparameterTuner.__init__": 9,  # SDK: tags before base_tuning_job_name (tags are refused here)
    "HyperparameterTuner.tune": 2,      # SDK: model_trainer_kwargs before wait (refused here)
    "Transformer.transform": 9,         # SDK: experiment_config (warned) before model_client_config
    "Endpoint.create": 2,               # the local wait/timeouts come before deployment_config/tags/session/region
    "Endpoint.wait_for_status": 1,      # ours (target_status, timeout, poll), the SDK's (target_status, poll, timeout)
    "LocalEndpoint.__init__": 1, "LocalEndpoint.create": 2,  # made by deploy_local(), see KNOWN_GAPS
}


def order_differences() -> dict[str, int]:
    """"<name>.<method>" -> the first position where our positional parameters differ from the SDK's."""
    found = {}
    for label, our_callable, sdk_callable in _mirrored_callables():
        try:
            ours, theirs = ([n for n, p in inspect.signature(c).parameters.items()
                             if p.kind is p.POSITIONAL_OR_KEYWORD and n not in ("self", "cls")]
                            for c in (our_callable, sdk_callable))
        except (TypeError, ValueError):
            continue
        same = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
        if same is not None:
            found[label] = same
    return found


def test_positional_arguments_mean_what_they_mean_in_the_sdk(sdk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert order_differences() == KNOWN_ORDER


def test_signature_gaps_names_a_missing_parameter(sdk, monkeypatch):
    """The comparison itself: a twin that loses a parameter is reported under its name."""

    def upload_data(self, path, bucket=None):  # SDK: (path, bucket, key_prefix, callback, extra_args)
        return path

    monkeypatch.setattr(Session, "upload_data", upload_data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert signature_gaps()["Session.upload_data"] == {"key_prefix", "callback", "extra_args"}


# ------------------------------------------------------------------------------- Session & role
ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")  # CreateModel's pattern


def test_get_execution_role_locally_is_a_role_arn_sagemaker_would_accept():
    role = get_execution_role()
    assert ROLE_ARN.match(role) and role == get_execution_role(use_default=True)
    session = Session()
    assert session.get_caller_identity_arn() == role
    assert session.expand_role("MyRole") == "arn:aws:iam::000000000000:role/MyRole"
    assert session.expand_role(role) == role
    with pytest.raises(ValueError, match="IAM role name"):
        session.expand_role("no spaces allowed")


def test_session_takes_a_boto_session_and_reads_its_region(flywheel_home):
    import boto3

    session = Session(boto_session=boto3.Session(region_name="eu-west-1"))
    assert session.boto_region_name == "eu-west-1" == session.boto_session.region_name
    assert session.default_bucket() == "sagemaker-eu-west-1-000000000000"
    assert Session().boto_session.region_name == Session().boto_region_name


def test_session_upload_and_download_round_trip(flywheel_home, tmp_path):
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "a.csv").write_text("1,2\n")
    session = Session()
    uri = session.upload_data(str(tmp_path / "up" / "a.csv"), key_prefix="names/in")
    assert uri == f"s3://{session.default_bucket()}/names/in/a.csv"
    written = session.download_data(str(tmp_path / "down"), session.default_bucket(), key_prefix="names/in")
    assert [open(p).read() for p in written] == ["1,2\n"]
    assert session.list_s3_files(session.default_bucket(), "names/") == ["names/in/a.csv"]


def test_session_arguments_it_cannot_use_warn_by_name(flywheel_home, tmp_path):
    with pytest.warns(IgnoredArgumentWarning, match="sagemaker_client, settings"):
        Session(sagemaker_client=object(), settings=object())
    (tmp_path / "f.txt").write_text("x")
    with pytest.warns(IgnoredArgumentWarning, match="extra_args"):
        Session().upload_data(str(tmp_path / "f.txt"), extra_args={"ServerSideEncryption": "aws:kms"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # plain calls stay quiet
        Session(default_bucket="quiet-bucket").upload_data(str(tmp_path / "f.txt"))


def test_sagemaker_backend_session_and_role_are_the_sdks(tmp_path, monkeypatch, flywheel_home):
    import boto3

    with mock_aws_account(tmp_path, monkeypatch) as account:
        monkeypatch.setenv("FLYWHEEL_BACKEND", "sagemaker")
        # a notebook instance's credentials: the execution role, assumed
        credentials = boto3.client("sts").assume_role(RoleArn=account["role"], RoleSessionName="nb")["Credentials"]
        assumed = boto3.Session(aws_access_key_id=credentials["AccessKeyId"], region_name="us-west-2",
                                aws_secret_access_key=credentials["SecretAccessKey"],
                                aws_session_token=credentials["SessionToken"])
        session = Session(boto_session=assumed)
        assert type(session).__module__ == "sagemaker.core.helper.session_helper"
        assert session.boto_region_name == "us-west-2" and session.boto_session is assumed
        assert get_execution_role(sagemaker_session=session) == account["role"]


# ------------------------------------------------------------------------------ tuner.describe()
def test_tuner_describe_reads_as_boto3s_dict_and_as_the_sdks_resource():
    from helpers.platform.tuning.tuner import HyperparameterTuner

    record = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobStatus": "Completed",
              "BestTrainingJob": {"TrainingJobName": "t-003", "TunedHyperParameters": {"eta": "0.1"},
                                  "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:auc",
                                                                                   "Value": 0.9}},
              "TrainingJobStatusCounters": {"Completed": 3}}

    class Job:
        name = "t"

        def describe(self):
            return record

    tuner = object.__new__(HyperparameterTuner)  # only describe() is under test: no trainer needed
    tuner.latest_tuning_job = Job()
    described = tuner.describe()
    assert described["BestTrainingJob"]["TrainingJobName"] == "t-003" == described.best_training_job.training_job_name
    assert described.hyper_parameter_tuning_job_status == "Completed"
    assert described.best_training_job.final_hyper_parameter_tuning_job_objective_metric.value == 0.9
    assert described.training_job_status_counters.completed == 3 and described == record
    with pytest.raises(AttributeError, match="best_training_job"):
        described.best_trainign_job  # noqa: B018 - a typo names the fields that exist


# ------------------------------------------------------------------------------- model URLs
@pytest.mark.parametrize("url", [
    "https://my-bucket.s3.us-east-1.amazonaws.com/models/job/output/model.tar.gz",
    "https://my-bucket.s3.amazonaws.com/models/job/output/model.tar.gz",
    "https://my-bucket.s3-us-west-2.amazonaws.com/models/job/output/model.tar.gz",
    "https://s3.us-east-1.amazonaws.com/my-bucket/models/job/output/model.tar.gz",
    "https://s3.amazonaws.com/my-bucket/models/job/output/model.tar.gz",
    "s3://my-bucket/models/job/output/model.tar.gz",
])
def test_s3_object_urls_name_the_same_s3_uri(url):
    from helpers.platform.serving.model_builder import s3_uri_of

    assert s3_uri_of(url) == "s3://my-bucket/models/job/output/model.tar.gz"


def test_an_https_url_that_is_not_s3_is_refused_with_the_forms_that_work():
    from helpers.platform.serving.model_builder import s3_uri_of

    assert s3_uri_of("https://b.s3.eu-west-1.amazonaws.com/a%20b/model.tar.gz") == "s3://b/a b/model.tar.gz"
    with pytest.raises(ValueError, match=r"https://<bucket>\.s3\.<region>\.amazonaws\.com/<key>"):
        s3_uri_of("https://example.com/model.tar.gz")


def test_model_builder_builds_from_an_https_model_url(flywheel_home, tmp_path):
    import tarfile

    from helpers.platform import ModelBuilder, image_uris

    (tmp_path / "model.joblib").write_bytes(b"not loaded by build")
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "model.joblib", arcname="model.joblib")
    uri = Session().upload_data(str(tmp_path / "model.tar.gz"), key_prefix="job/output")
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    for url in (f"https://{bucket}.s3.us-east-1.amazonaws.com/{key}", f"https://s3.us-east-1.amazonaws.com/{bucket}/{key}"):
        model = ModelBuilder(model=url, image_uri=image_uris.retrieve("linear-learner", "us-east-1")).build()
        assert model.primary_container["ModelDataUrl"] == uri
        model = ModelBuilder(model_path=url, image_uri=image_uris.retrieve("linear-learner", "us-east-1")).build()
        assert model.primary_container["ModelDataUrl"] == uri


def test_sagemaker_backend_refuses_an_inference_spec_instead_of_dropping_it(tmp_path, monkeypatch, flywheel_home):
    from helpers.platform import InferenceSpec, ModelBuilder, SchemaBuilder

    class Spec(InferenceSpec):
        def load(self, model_dir):
            return None

        def invoke(self, input_object, model):
            return input_object

    with mock_aws_account(tmp_path, monkeypatch) as account:
        monkeypatch.setenv("FLYWHEEL_BACKEND", "sagemaker")
        builder = ModelBuilder(model_path="s3://bucket/model.tar.gz", role_arn=account["role"],
                               image_uri="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                               inference_spec=Spec(), schema_builder=SchemaBuilder([1], [1]))
        with pytest.raises(NotImplementedError, match="sagemaker.serve.ModelBuilder"):
            builder.build()
