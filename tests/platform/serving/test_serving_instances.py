"""An endpoint of several instances: initial_instance_count=N starts N server processes, the router
spreads invocations over those that run, describe counts them, a crash of one leaves the others serving,
delete stops them all, and N is capped at the machine's cores with a message saying why."""

from __future__ import annotations

import os
import signal

import boto3
import psutil
import pytest

from helpers.platform import image_uris
from helpers.platform.serving import ModelBuilder, processes, registry
from helpers.platform.serving.runtime import use_local_runtime
from serving_support import train_linear_learner

ROW = b"0.1,-0.2,0.3,1.5"


@pytest.fixture(scope="module")
def builder(home, tmp_path_factory):
    model_dir = train_linear_learner(tmp_path_factory.mktemp("ll"))
    return ModelBuilder(model_path=str(model_dir), image_uri=image_uris.retrieve("linear-learner", "us-east-1"))


@pytest.fixture(scope="module")
def fleet(builder, monkeypatch_module):
    monkeypatch_module.setattr(os, "cpu_count", lambda: 2)  # the same on any machine the tests run on
    endpoint = builder.deploy(endpoint_name="fleet", initial_instance_count=2)
    yield endpoint
    if registry.read_record("fleet") is not None:
        endpoint.delete()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def invoke(count: int) -> None:
    use_local_runtime()
    client = boto3.session.Session().client("sagemaker-runtime")  # what learners' code does
    for _ in range(count):
        answer = client.invoke_endpoint(EndpointName="fleet", Body=ROW, ContentType="text/csv")
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_n_instances_are_n_processes_and_the_router_spreads_invocations_over_them(fleet):
    view = fleet.describe()
    assert view["EndpointStatus"] == "InService"
    assert view["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    instances = view["Local"]["Instances"]
    assert len({instance["Pid"] for instance in instances}) == 2
    before = [variants[0]["Invocations"] for variants in fleet.instance_metrics()]
    invoke(40)
    after = [variants[0]["Invocations"] for variants in fleet.instance_metrics()]
    served = [a - b for a, b in zip(after, before)]
    assert sum(served) == 40 and min(served) > 0, served  # sequential calls: each instance got some
    assert fleet.metrics()[0]["Invocations"] == sum(after)  # the endpoint's metrics sum its instances'


def test_weights_reach_every_instance(fleet):
    fleet.update_weights({"AllTraffic": 2.0})
    assert [variants[0]["CurrentWeight"] for variants in fleet.instance_metrics()] == [2.0, 2.0]


def test_a_crashed_instance_leaves_the_others_serving(fleet):
    first, second = fleet.describe()["Local"]["Instances"]
    os.kill(first["Pid"], signal.SIGKILL)  # instance 1, the endpoint folder's own server
    processes.wait_until(lambda: fleet.describe()["ProductionVariants"][0]["CurrentInstanceCount"] == 1, 10)
    view = fleet.describe()
    assert view["EndpointStatus"] == "InService" and view["Local"]["Url"] == second["Url"]
    assert view["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    assert view["ProductionVariants"][0]["DesiredInstanceCount"] == 2
    invoke(10)  # every one answered by the instance left


def test_delete_stops_every_instance(fleet):
    pids = [instance["Pid"] for instance in fleet.describe()["Local"]["Instances"]]
    assert {r.name for r in registry.running_resources() if r.kind == "endpoint"} == {"fleet"}
    fleet.delete()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)
    assert not [r for r in registry.running_resources() if r.kind == "endpoint"]


def test_more_instances_than_cores_are_capped_with_the_reason(builder, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    with pytest.warns(RuntimeWarning, match=r"initial_instance_count=3, but this machine has 1 CPU cores: 1 local"):
        endpoint = builder.deploy(endpoint_name="capped", initial_instance_count=3)
    try:
        variant = endpoint.describe()["ProductionVariants"][0]
        assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (1, 3)
        assert registry.instance_dirs("capped") == []  # one process: nothing else started
    finally:
        endpoint.delete()


def test_the_instance_count_of_a_live_endpoint_goes_up_and_down(builder, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    endpoint = builder.deploy(endpoint_name="grows", initial_instance_count=1)
    try:
        (variant,) = endpoint.update_instance_count(2)
        assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (2, 2)
        second = endpoint.describe()["Local"]["Instances"][1]["Pid"]
        (variant,) = endpoint.update_instance_count(1)
        assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (1, 1)
        assert not psutil.pid_exists(second) or psutil.Process(second).status() == psutil.STATUS_ZOMBIE
        with pytest.raises(ValueError, match="whole number of instances >= 1"):
            endpoint.update_instance_count(0)
    finally:
        endpoint.delete()


def test_on_sagemaker_the_instance_count_is_update_endpoint_weights_and_capacities(tmp_path, monkeypatch):
    from aws_support import mock_aws_account
    from helpers.platform import backend
    from helpers.platform.serving import Endpoint

    with mock_aws_account(tmp_path, monkeypatch) as account:
        client = account["sagemaker"]
        client.create_model(ModelName="m", ExecutionRoleArn=account["role"],
                            PrimaryContainer={"Image": image_uris.retrieve("linear-learner", "us-east-1")})
        client.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
        client.create_endpoint(EndpointName="remote", EndpointConfigName="c")
        monkeypatch.setattr(backend, "_chosen", "sagemaker")
        (variant,) = Endpoint("remote").update_instance_count(3)
        assert variant["DesiredInstanceCount"] == 3

