"""Two learners on one machine, as two real Unix users: each reaches only their own store and servers.

Root only (CI runs as root): two throwaway system users are made for the module and removed after it.
Each deploys a tiny script-mode endpoint from their own FLYWHEEL_HOME at the same moment, with homes
chosen so that both stores prefer the same router port. Learner B, with B's own secret, then tries A's
files, A's endpoint and A's router (invoke, DeleteEndpoint, ListTrainingJobs) and A's processes; the
instructor (root) sees both through ``classroom status`` and stops both through ``classroom
stop-endpoints``, which acts as each learner.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest

from classroom_support import ended, learner_python, throwaway_users
from helpers import ROOT
from helpers.course import classroom
from helpers.platform.serving.router import preferred_port
from helpers.platform_home import SECRET_FILE

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("useradd") is None
    or shutil.which("curl") is None,
    reason="proving isolation needs root (to make two throwaway Unix users), useradd and curl")

# Each learner's kernel: deploy one endpoint, try a second one (over FLYWHEEL_MAX_ENDPOINTS=1), record
# a passed check (the learner opted in), and say where its servers listen.
DRIVER = """
import json, os, sys
from pathlib import Path
from helpers import learning_record
from helpers.platform.configs import SourceCode
from helpers.platform.serving import ModelBuilder
from helpers.platform.serving.runtime import runtime_state
from serving_support import write_script_model

name, home = sys.argv[1], Path(os.environ["FLYWHEEL_HOME"])
model_dir, code_dir = write_script_model(home.parent / "model")
builder = ModelBuilder(model_path=str(model_dir),
                       source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
endpoint = builder.deploy(endpoint_name=name)
try:
    builder.deploy(endpoint_name=name + "-2")
    refused = ""
except ValueError as error:
    refused = str(error)
learning_record.set_consent(True)
learning_record.record_check("01_intro", "first", True, total=2, position=0)
print(json.dumps({"endpoint": endpoint.url, "pid": endpoint.describe()["Local"]["Pid"],
                  "router": runtime_state()["Url"], "refused": refused}))
"""


def colliding_folder(base: Path, prefix: str, port: int) -> Path:
    """A home ``base/<prefix>-<n>/.flywheel`` whose store prefers router port ``port`` (n searched)."""
    for n in range(1_000_000):
        home = base / f"{prefix}-{n}" / ".flywheel"
        if preferred_port(home) == port:
            return home
    raise AssertionError("no colliding home found")  # 20000 ports: found within ~20000 tries


class Learner:
    def __init__(self, name: str, home: Path):
        self.name, self.home = name, home
        account = pwd.getpwnam(name)
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.info: dict = {}

    def env(self, **extra: str) -> dict:
        path = f"{ROOT}{os.pathsep}{ROOT / 'tests'}"
        return {"PATH": os.environ["PATH"], "HOME": str(self.home.parent), "USER": self.name, "PYTHONPATH": path,
                "FLYWHEEL_HOME": str(self.home), "OMP_NUM_THREADS": "1", **extra}

    def popen(self, argv: list[str], **extra: str) -> subprocess.Popen:
        return subprocess.Popen(argv, cwd=ROOT, env=self.env(**extra), user=self.uid, group=self.gid,
                                extra_groups=[], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, command: str) -> subprocess.CompletedProcess:
        """``command`` in a shell as this learner ($SECRET: this learner's own store secret)."""
        process = self.popen(["bash", "-c", f'SECRET=$(cat "$FLYWHEEL_HOME/{SECRET_FILE}"); {command}'])
        out, err = process.communicate(timeout=30)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def http(self, url: str, *headers: str, data: str = "1,2,3,4") -> int:
        """The HTTP status this learner gets for a POST of ``data`` to ``url`` (headers may use $SECRET)."""
        options = " ".join(f'-H "{header}"' for header in headers)
        done = self.run(f'curl -s -o /dev/null -w "%{{http_code}}" --max-time 10 {options} --data "{data}" "{url}"')
        return int(done.stdout or 0)


@pytest.fixture(scope="module")
def room():
    base = Path(tempfile.mkdtemp(prefix="flywheel-classroom-"))
    base.chmod(0o755)  # like /home: anyone lists it; each learner's folder in it is 0700
    try:
        with throwaway_users(2) as (name_a, name_b):
            home_a = base / name_a / ".flywheel"
            home_b = colliding_folder(base, name_b, preferred_port(home_a))
            learners = [Learner(name_a, home_a), Learner(name_b, home_b)]
            for learner in learners:
                learner.home.parent.mkdir()
                os.chown(learner.home.parent, learner.uid, learner.gid)
                learner.home.parent.chmod(0o700)
            python, python_env = learner_python(base)
            drivers = [learner.popen([python, "-c", DRIVER, f"{learner.name}-ep"], **python_env,
                                     FLYWHEEL_MAX_ENDPOINTS="1", FLYWHEEL_PROGRESS="1")
                       for learner in learners]  # both at once
            for learner, driver in zip(learners, drivers):
                learner.python, learner.python_env = python, python_env
                out, err = driver.communicate(timeout=180)
                assert driver.returncode == 0, err
                learner.info = json.loads(out.strip().splitlines()[-1])
            yield base, learners[0], learners[1]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_both_stores_prefer_one_port_yet_each_learner_has_a_router_of_their_own(room):
    _, a, b = room
    assert preferred_port(a.home) == preferred_port(b.home)
    assert a.info["router"] != b.info["router"] and a.info["endpoint"] != b.info["endpoint"]
    for learner in (a, b):  # each answers its owner
        url = f"{learner.info['router']}/$SECRET/endpoints/{learner.name}-ep/invocations"
        assert learner.http(url, "content-type: text/csv") == 200


def test_another_learner_cannot_read_the_store(room):
    _, a, b = room
    assert stat.S_IMODE(a.home.stat().st_mode) == 0o700
    assert stat.S_IMODE((a.home / SECRET_FILE).stat().st_mode) == 0o600
    for path in (a.home / SECRET_FILE, a.home / "endpoints", a.home / "progress" / "record.json"):
        done = b.run(f'cat "{path}" || ls "{path}"')
        assert done.returncode != 0 and "Permission denied" in done.stderr, path
    assert a.run(f'ls "{a.home}/endpoints"').stdout.split().count(f"{a.name}-ep") == 1  # the path is right


def test_another_learner_cannot_invoke_the_endpoint_with_their_own_secret(room):
    _, a, b = room
    name = f"{a.name}-ep"
    csv = "content-type: text/csv"
    assert b.http(f"{a.info['endpoint']}/invocations", csv, "x-flywheel-secret: $SECRET") == 403
    assert b.http(f"{a.info['router']}/$SECRET/endpoints/{name}/invocations", csv) == 403  # boto3's way
    assert b.http(f"{a.info['router']}/endpoints/{name}/invocations", csv) == 403  # no secret at all
    assert a.http(f"{a.info['endpoint']}/invocations", csv, "x-flywheel-secret: $SECRET") == 200


@pytest.mark.parametrize("operation, body", [("DeleteEndpoint", '{\\"EndpointName\\": \\"NAME\\"}'),
                                             ("ListTrainingJobs", "{}"), ("ListEndpoints", "{}")])
def test_another_learner_cannot_use_the_control_plane(room, operation, body):
    _, a, b = room
    headers = ("content-type: application/x-amz-json-1.1", f"x-amz-target: SageMaker.{operation}")
    data = body.replace("NAME", f"{a.name}-ep")
    assert b.http(f"{a.info['router']}/$SECRET", *headers, data=data) == 403
    assert b.http(a.info["router"], *headers, "x-flywheel-secret: $SECRET", data=data) == 403
    assert a.http(f"{a.info['router']}/$SECRET", *headers, data="{}") != 403  # the owner gets through


def test_another_learner_cannot_stop_the_servers(room):
    _, a, b = room
    done = b.run(f"kill -TERM {a.info['pid']}")
    assert done.returncode != 0 and "not permitted" in done.stderr
    assert psutil.pid_exists(a.info["pid"])


def test_a_second_endpoint_over_the_learners_limit_is_refused(room):
    _, a, b = room
    for learner in (a, b):
        assert "FLYWHEEL_MAX_ENDPOINTS=1" in learner.info["refused"]
        assert f"you have 1: {learner.name}-ep" in learner.info["refused"]


def test_the_instructor_sees_each_learner_by_name_and_a_learner_sees_only_themselves(room, capsys):
    base, a, b = room
    pattern = str(base / "*" / ".flywheel")
    assert classroom.main(["status", "--homes", pattern], ROOT) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()[:1] in ([a.name], [b.name])}
    assert f"{a.name}-ep" in rows[a.name] and "01 1/2" in rows[a.name]
    assert f"{b.name}-ep" in rows[b.name] and f"{a.name}-ep" not in rows[b.name]
    # the same report as learner B (effective uid switched in this process: the kernel's own check)
    os.setegid(b.gid)
    os.seteuid(b.uid)
    try:
        seen = [classroom.read_learner(home) for home in classroom.find_homes(pattern)]
    finally:
        os.seteuid(0)
        os.setegid(0)
    by_name = {learner.name: learner for learner in seen}
    assert by_name[b.name].endpoints == [f"{b.name}-ep"] and not by_name[b.name].errors
    assert by_name[a.name].record is None and not by_name[a.name].endpoints
    assert "Permission denied" in by_name[a.name].errors[0] and "as root" in by_name[a.name].errors[0]


def test_stop_endpoints_stops_every_learners_servers_as_that_learner(room, capsys, monkeypatch):
    base, a, b = room
    for key, value in a.python_env.items():
        monkeypatch.setenv(key, value)
    assert classroom.stop_endpoints(str(base / "*" / ".flywheel"), ROOT, python=a.python) == 0
    out = capsys.readouterr().out
    for learner in (a, b):
        assert f"{learner.name}: stopped endpoint '{learner.name}-ep'" in out
        assert f"{learner.name}: stopped router" in out
        assert ended(learner.info["pid"])
        owners = {path.stat().st_uid for path in learner.home.rglob("*")}
        assert owners == {learner.uid}  # nothing in the home became root's
