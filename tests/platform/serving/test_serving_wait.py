"""``wait_for_status``: one polling loop for a local endpoint and a SageMaker one, which differ only in
what a failure stops and what running out of time raises."""

from __future__ import annotations

import pytest

from helpers.platform.aws.serving import RemoteEndpoint
from helpers.platform.errors import FailedStatusError
from helpers.platform.serving import Endpoint, registry


def scripted(cls, *statuses: str):
    """An endpoint of class ``cls`` whose ``describe()`` answers ``statuses`` in turn, then the last one."""
    answers = list(statuses)

    class Scripted(cls):
        def describe(self) -> dict:
            status = answers.pop(0) if len(answers) > 1 else answers[0]
            return {"EndpointStatus": status, "FailureReason": "the image would not start",
                    "Local": {"LogFile": "server.log"}}

    return Scripted("scripted")


@pytest.mark.parametrize("cls", [Endpoint, RemoteEndpoint])
def test_the_status_is_polled_until_it_is_reached(flywheel_home, cls):
    endpoint = scripted(cls, "Creating", "Creating", "InService")
    assert endpoint.wait_for_status("InService", timeout=5, poll=0) is endpoint


@pytest.mark.parametrize("cls", [Endpoint, RemoteEndpoint])
def test_a_failed_endpoint_raises_with_its_reason(flywheel_home, cls):
    with pytest.raises(FailedStatusError, match="the image would not start"):
        scripted(cls, "Creating", "Failed").wait_for_status(timeout=5, poll=0)


def test_a_local_server_that_does_not_start_in_time_is_marked_failed_with_where_to_look(flywheel_home):
    registry.endpoint_dir("scripted").mkdir(parents=True)  # CreateEndpoint made it
    with pytest.raises(FailedStatusError, match=r"did not start within 0 s; see server\.log"):
        scripted(Endpoint, "Creating").wait_for_status(timeout=0, poll=0)
    assert "did not start within 0 s" in (registry.endpoint_dir("scripted") / "failure").read_text()


def test_a_sagemaker_endpoint_still_creating_after_the_timeout_raises_timeout_error(flywheel_home):
    with pytest.raises(TimeoutError, match="endpoint scripted is still Creating after 0 s"):
        scripted(RemoteEndpoint, "Creating").wait_for_status(timeout=0, poll=0)
    assert not registry.endpoint_dir("scripted").exists()  # nothing local is written for an AWS endpoint
