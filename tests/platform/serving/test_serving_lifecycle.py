"""Endpoint lifecycle: registry, dead servers reported as such, cleanup after a kernel restart."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from helpers.course import cleanup
from helpers.platform.configs import SourceCode
from helpers.platform.errors import FailedStatusError
from helpers.platform.serving import Endpoint, ModelBuilder, list_endpoints, running_resources
from helpers.platform.serving.registry import EndpointNotFound, describe_endpoint, endpoint_dir, stop_all
from helpers.platform.serving.runtime import runtime_state, runtime_status, use_local_runtime
from serving_support import isolate, write_script_model


@pytest.fixture
def home(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path / "home")
    yield tmp_path / "home"
    stop_all()


@pytest.fixture
def builder(tmp_path):
    model_dir, code_dir = write_script_model(tmp_path / "model")
    return ModelBuilder(model_path=str(model_dir), source_code=SourceCode(source_dir=str(code_dir),
                                                                          entry_script="inference.py"))


def server_pid(name: str) -> int:
    return describe_endpoint(name)["Local"]["Pid"]


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_delete_stops_the_server_and_forgets_the_endpoint(home, builder):
    endpoint = builder.deploy(endpoint_name="to-delete")
    pid = server_pid("to-delete")
    assert psutil.pid_exists(pid)
    endpoint.delete()
    assert gone(pid)
    with pytest.raises(EndpointNotFound, match="to-delete"):
        endpoint.describe()
    assert "to-delete" not in [e["EndpointName"] for e in list_endpoints()]


def test_a_killed_server_is_reported_failed_not_in_service(home, builder):
    endpoint = builder.deploy(endpoint_name="will-die")
    os.kill(server_pid("will-die"), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while endpoint.endpoint_status == "InService" and time.monotonic() < deadline:
        time.sleep(0.05)
    view = endpoint.describe()
    assert view["EndpointStatus"] == "Failed"
    assert "not running" in view["FailureReason"] and "deploy it again" in view["FailureReason"]
    assert [e["EndpointStatus"] for e in list_endpoints() if e["EndpointName"] == "will-die"] == ["Failed"]
    assert "will-die" not in [r.name for r in running_resources() if r.kind == "endpoint"]


def test_duplicate_names_are_refused_unless_update_endpoint(home, builder):
    builder.deploy(endpoint_name="twice")
    first = server_pid("twice")
    with pytest.raises(ValueError, match="already existing endpoint"):
        builder.deploy(endpoint_name="twice")
    builder.deploy(endpoint_name="twice", update_endpoint=True)
    assert server_pid("twice") != first
    assert gone(first)


def test_invalid_names_are_refused_with_the_rule(home, builder):
    with pytest.raises(ValueError, match="letters, digits and hyphens"):
        builder.deploy(endpoint_name="my_endpoint")


def test_endpoints_left_by_a_dead_kernel_are_found_and_cleaned_up(home, tmp_path, capsys):
    """Deploy from another Python process that then exits (a kernel restart), then clean up here."""
    model_dir, code_dir = write_script_model(tmp_path / "kernel-model")
    code = textwrap.dedent(f"""
        from helpers.platform.configs import SourceCode
        from helpers.platform.serving import ModelBuilder
        ModelBuilder(model_path={str(model_dir)!r},
                     source_code=SourceCode(source_dir={str(code_dir)!r}, entry_script="inference.py")
                     ).deploy(endpoint_name="left-running")
    """)
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    left = running_resources()
    assert {r.kind for r in left} == {"endpoint", "router"}
    pids = [r.pid for r in left]
    assert all(psutil.pid_exists(p) for p in pids)
    assert "left-running" in str(left[0]) or "left-running" in str(left[1])

    assert cleanup.main(["--list"], root=None) == 0
    assert "left-running" in capsys.readouterr().out
    assert cleanup.main([], root=None) == 0
    out = capsys.readouterr().out
    assert "stopped endpoint 'left-running'" in out and "stopped router" in out
    assert running_resources() == []
    assert all(gone(pid) for pid in pids)
    assert cleanup.main([], root=None) == 0
    assert "Nothing left running" in capsys.readouterr().out


def test_a_server_whose_registration_vanished_is_still_found(home, builder):
    builder.deploy(endpoint_name="orphan")
    pid = server_pid("orphan")
    (endpoint_dir("orphan") / "endpoint.json").unlink()  # the registry lost it; the process runs on
    orphans = [r for r in running_resources() if r.pid == pid]
    assert orphans and orphans[0].detail == "not in the registry"
    stop_all()
    assert gone(pid)


def test_a_server_stops_itself_when_its_folder_is_removed(home, builder):
    builder.deploy(endpoint_name="self-stop")
    process = psutil.Process(server_pid("self-stop"))
    shutil.rmtree(endpoint_dir("self-stop"))
    process.wait(timeout=10)  # raises if the server did not stop by itself


def test_a_model_that_cannot_load_fails_the_deploy_with_its_reason(home, tmp_path):
    model_dir, code_dir = write_script_model(tmp_path / "broken")
    (code_dir / "inference.py").write_text("def model_fn(model_dir):\n    raise RuntimeError('weights missing')\n")
    builder = ModelBuilder(model_path=str(model_dir),
                           source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
    with pytest.raises(FailedStatusError, match="weights missing"):
        builder.deploy(endpoint_name="broken")
    view = Endpoint("broken").describe()
    assert view["EndpointStatus"] == "Failed" and "weights missing" in view["FailureReason"]
    assert "broken" not in [r.name for r in running_resources()]


def test_the_runtime_router_is_shared_and_restarts_on_demand(home, builder):
    builder.deploy(endpoint_name="first")
    state = runtime_state()
    builder.deploy(endpoint_name="second")
    assert runtime_state()["Pid"] == state["Pid"]  # one router for every endpoint
    stop_all()
    assert runtime_state() is None
    builder.deploy(endpoint_name="third", update_endpoint=True)
    assert runtime_state() is not None


def test_runtime_status_tells_running_from_killed_and_not_started(home, builder):
    assert runtime_status()["Status"] == "not started"
    builder.deploy(endpoint_name="status-ep")
    status = runtime_status()
    assert status["Status"] == "running" and status["Url"].startswith("http://127.0.0.1:")
    state_file = home / "endpoints" / "_runtime" / "runtime.json"
    stop_all()
    assert runtime_status()["Status"] == "not started"  # a clean stop (SIGTERM) removes its state file
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text('{"Pid": 999999999, "PidCreateTime": 1.0, "Url": "http://127.0.0.1:9"}')
    dead = runtime_status()
    assert dead["Status"] == "dead: pid file left" and "use_local_runtime(start=True)" in dead["Fix"]


def test_a_killed_router_is_restarted_by_the_endpoint_and_boto3_works_again(home, builder):
    import boto3

    builder.deploy(endpoint_name="heal-ep")
    client = boto3.session.Session().client("sagemaker-runtime", endpoint_url=use_local_runtime())
    killed = runtime_status()["Pid"]
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while (runtime_status()["Status"] != "running" or runtime_status()["Pid"] == killed) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert runtime_status()["Status"] == "running" and runtime_status()["Pid"] != killed
    answer = client.invoke_endpoint(EndpointName="heal-ep", Body=b"1,2,3,4", ContentType="text/csv")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200  # same port, same secret: the same URL works
