"""Issue 23's acceptance: the classroom hub with three learners, driven only through HTTP as a browser would.

Root only (CI runs as root): three throwaway Unix users are made for the module and removed after it.
``python -m helpers classroom hub`` (what ``make classroom`` runs) starts JupyterHub and its proxy with
their roster; each learner logs in with their name and code, starts their server through the hub's REST
API, follows its default URL (the nbgitpuller link that pulls the labs into ~/flywheel), and in their own
Jupyter kernel (REST API and kernel websocket through the hub's proxy) runs the first cell of the pulled
08_deployment.ipynb, deploys a tiny endpoint and invokes it with boto3, inside their own cgroup limits.
Learner B then tries A's files, A's endpoint, router and control plane, A's server process, A's cleanup,
A's server and user record on the hub, and logging in as A: all refused, and A's endpoint still answers A.
The last test is the end of the day: the instructor's ``classroom status`` and ``stop-endpoints``, each
server stopped through the hub's API, the hub stopped; no learner process is left.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from classroom_support import ended, learner_python, processes_of, throwaway_users
from helpers import ROOT
from helpers.course import classroom
from process_support import stop_process_tree

requests = pytest.importorskip("requests")
websocket = pytest.importorskip("websocket", reason="websocket-client drives the learners' kernels")
pytest.importorskip("jupyterhub", reason="the classroom extra (pip install -e '.[classroom]') runs the hub")

PROXY = ROOT / "classroom" / "proxy" / "node_modules" / "configurable-http-proxy"
pytestmark = [
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("useradd") is None,
                       reason="a hub of real learners needs root (to make throwaway Unix users) and useradd"),
    pytest.mark.skipif(not PROXY.exists(), reason=f"the hub's proxy is not installed in {PROXY}: make test "
                                                  "installs it (npm ci in classroom/proxy)"),
]

LEARNERS = 3
LAB = "08_deployment.ipynb"
WAIT = 120.0  # seconds for any one step of the hub or a kernel (the hub's own spawn timeout; 3 learners at once)
POLL = 0.1
MEMORY = 2 * 2**30  # bytes per learner (server, kernels, endpoints): the hub's --memory

# In each learner's kernel, after the lab's first cell: a tiny endpoint of their own, invoked with boto3
# through their own router (the lab's setup pointed boto3 at it).
DEPLOY = """
import json, os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import boto3
from helpers.platform.configs import SourceCode
from helpers.platform.serving import ModelBuilder
from helpers.platform.serving.runtime import runtime_state
from helpers.platform_home import secret_file
from serving_support import write_script_model

model_dir, code_dir = write_script_model(Path.home() / "tiny-model")
builder = ModelBuilder(model_path=str(model_dir),
                       source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
endpoint = builder.deploy(endpoint_name={endpoint!r})
answer = boto3.client("sagemaker-runtime").invoke_endpoint(
    EndpointName={endpoint!r}, ContentType="text/csv", Body="1,2,3,4")
try:
    builder.deploy(endpoint_name={endpoint!r} + "-2")
    refused = ""
except ValueError as error:
    refused = str(error)
print(json.dumps({{"endpoint": endpoint.url, "pid": endpoint.describe()["Local"]["Pid"],
                  "router": runtime_state()["Url"], "status": answer["ResponseMetadata"]["HTTPStatusCode"],
                  "home": os.environ["FLYWHEEL_HOME"], "secret": str(secret_file()), "uid": os.getuid(),
                  "refused": refused, "cgroup": Path("/proc/self/cgroup").read_text()}}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Kernel:
    """One Jupyter kernel of a learner's server, reached through the hub's proxy (REST + websocket)."""

    def __init__(self, server: str, token: str, name: str):
        self.server, self.auth = server, {"Authorization": f"token {token}"}
        started = requests.post(f"{server}/api/kernels", headers=self.auth, json={"name": name}, timeout=WAIT)
        assert started.status_code == 201, started.text
        self.id = started.json()["id"]
        channels = f"ws{server.removeprefix('http')}/api/kernels/{self.id}/channels"
        self.socket = websocket.create_connection(channels, header=[f"{k}: {v}" for k, v in self.auth.items()],
                                                  timeout=WAIT)
        self.session = uuid.uuid4().hex

    def run(self, code: str) -> str:
        """Execute ``code``; return what it printed. Fails with the kernel's traceback on an error."""
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "session": self.session, "username": "", "date": "",
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        printed, error = [], None
        while True:
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                error = "\n".join(content["traceback"])
            elif kind == "status" and content["execution_state"] == "idle":
                break
        assert error is None, f"the kernel failed:\n{error}\nprinted:\n{''.join(printed)}"
        return "".join(printed)

    def run_json(self, code: str) -> dict:
        """Execute ``code``, which prints one JSON object last; return it."""
        return json.loads(self.run(code).strip().splitlines()[-1])

    def close(self) -> None:
        self.socket.close()


@dataclass
class Learner:
    """One learner as the hub sees them: name, code, a logged-in browser session, an API token."""

    name: str
    code: str
    hub: str
    session: requests.Session | None = None
    token: str = ""
    kernel: Kernel | None = None
    info: dict = field(default_factory=dict)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.name).pw_uid

    @property
    def server(self) -> str:
        return f"{self.hub}/user/{self.name}"

    @property
    def auth(self) -> dict:
        return {"Authorization": f"token {self.token}"}


def log_in(hub: str, name: str, code: str) -> requests.Session:
    """A browser's login: the form (for its _xsrf cookie), then the POST. Returns the session, logged in
    or not (its ``jupyterhub-hub-login`` cookie says which)."""
    session = requests.Session()
    session.get(f"{hub}/hub/login", timeout=30).raise_for_status()
    session.post(f"{hub}/hub/login", data={"username": name, "password": code, "_xsrf": session.cookies["_xsrf"]},
                 allow_redirects=False, timeout=30)
    session.headers["X-XSRFToken"] = session.cookies.get("_xsrf", "")  # the login made a new one
    return session


def logged_in(session: requests.Session) -> bool:
    return "jupyterhub-hub-login" in session.cookies


def wait_until(check, what: str, hub_log: Path, timeout: float = WAIT):
    """Poll ``check()`` every POLL s until it returns something true; fail naming ``what`` with the hub's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(POLL)
    raise AssertionError(f"{what}: not within {timeout:.0f} s. The hub's log ends:\n{hub_log_tail(hub_log)}")


def hub_log_tail(hub_log: Path, lines: int = 60) -> str:
    return "\n".join(hub_log.read_text(errors="replace").splitlines()[-lines:]) if hub_log.exists() else ""


def pull_labs(learner: Learner, hub_log: Path) -> str:
    """Follow the server's default URL as a browser does, then the nbgitpuller page's event stream (what
    its JavaScript opens); return the path the default URL led to."""
    landing = learner.session.get(f"{learner.server}/", timeout=WAIT)  # OAuth with the hub, then default_url
    assert landing.status_code == 200, landing.text[:500]
    path = urlsplit(landing.url)
    assert path.path.endswith("/git-pull"), f"the default URL is {landing.url}, not nbgitpuller's link"
    phases = []
    with learner.session.get(f"{learner.server}/git-pull/api?{path.query}", stream=True, timeout=WAIT) as events:
        for line in events.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                phases.append(json.loads(line.removeprefix("data: ")))
                if phases[-1].get("phase") in ("finished", "error"):
                    break
    assert phases and phases[-1]["phase"] == "finished", f"nbgitpuller: {phases[-1:]}\n{hub_log_tail(hub_log)}"
    return landing.url


def start_learner(learner: Learner, hub_log: Path) -> None:
    """Log in, make a token, start the server through the REST API, pull the labs, open a kernel, run the
    lab's first cell and deploy an endpoint. Runs in a thread per learner (all start at once)."""
    learner.session = log_in(learner.hub, learner.name, learner.code)
    assert logged_in(learner.session), f"{learner.name} could not log in with their code"
    made = learner.session.post(f"{learner.hub}/hub/api/users/{learner.name}/tokens", json={"note": "acceptance"},
                                timeout=30)
    assert made.status_code == 201, made.text
    learner.token = made.json()["token"]
    spawn = requests.post(f"{learner.hub}/hub/api/users/{learner.name}/server", headers=learner.auth, timeout=WAIT)
    assert spawn.status_code in (201, 202), spawn.text

    def ready():
        user = requests.get(f"{learner.hub}/hub/api/users/{learner.name}", headers=learner.auth, timeout=30).json()
        return (user.get("servers") or {}).get("", {}).get("ready")

    wait_until(ready, f"{learner.name}'s server ready", hub_log)
    learner.info["landing"] = pull_labs(learner, hub_log)
    listing = requests.get(f"{learner.server}/api/contents/flywheel/{LAB}", headers=learner.auth, timeout=30)
    assert listing.status_code == 200, listing.text[:300]
    notebook = listing.json()["content"]
    first_cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    learner.kernel = Kernel(learner.server, learner.token, notebook["metadata"]["kernelspec"]["name"])  # as Lab does
    learner.info["lab"] = learner.kernel.run(first_cell["source"])
    learner.info.update(learner.kernel.run_json(DEPLOY.format(tests=str(ROOT / "tests"),
                                                              endpoint=f"{learner.name}-ep")))


def make_roster(names: list[str], out: Path) -> dict[str, str]:
    """``classroom roster`` for ``names``; return {name: code} as the file says."""
    subprocess.run([sys.executable, "-m", "helpers", "classroom", "roster", "--names", ",".join(names),
                    "--out", str(out)], cwd=ROOT, check=True, capture_output=True, text=True)
    return dict(line.split() for line in out.read_text().splitlines() if line.strip() and not line.startswith("#"))


@dataclass
class Room:
    """The hub, its learners (A, B, C) and where it keeps things."""

    homes: Path
    hub: str
    hub_process: subprocess.Popen
    hub_log: Path
    learners: list[Learner]
    state: Path  # the hub's --state


def stop_hub(process: subprocess.Popen) -> list[psutil.Process]:
    """SIGTERM the hub as Ctrl-C in ``make classroom`` would, wait for it; return the processes it had
    started (its proxy runs in a session of its own) that are still alive, after killing them."""
    return stop_process_tree(process, timeout=30, grace=10)


def start_hub(base: Path, homes: Path, python: str, python_env: dict) -> tuple[subprocess.Popen, str, Path]:
    """``classroom hub`` as ``make classroom`` runs it, on a free port, for the roster in ``base``;
    (its process, its URL, its log) once it answers."""
    port, hub_log = free_port(), base / "hub.log"
    with hub_log.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "helpers", "classroom", "hub", "--roster", str(base / "roster.txt"),
             "--homes", str(homes), "--state", str(base / "state"), "--ip", "127.0.0.1", "--port", str(port),
             "--learner-python", python, *[f"--learner-env={key}={value}" for key, value in python_env.items()],
             "--max-endpoints", "1", "--memory", str(MEMORY), "--cpus", "1"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    hub = f"http://127.0.0.1:{port}"

    def answers():
        assert process.poll() is None, f"the hub ended:\n{hub_log_tail(hub_log)}"
        try:
            return requests.get(f"{hub}/hub/api", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(answers, "the hub answering", hub_log)
    except BaseException:
        stop_hub(process)
        raise
    return process, hub, hub_log


@pytest.fixture(scope="module")
def room():
    base = Path(tempfile.mkdtemp(prefix="flywheel-hub-"))
    base.chmod(0o755)  # learners' Python is in it; their homes under base/homes are 0700 each
    homes = base / "homes"
    homes.mkdir(mode=0o755)
    names: list[str] = []
    try:
        with throwaway_users(LEARNERS, homes=homes) as names:  # on exit: their processes killed, users removed
            codes = make_roster(names, base / "roster.txt")
            python, python_env = learner_python(base)
            hub_process, hub, hub_log = start_hub(base, homes, python, python_env)
            learners = [Learner(name, codes[name], hub) for name in names]
            try:
                with ThreadPoolExecutor(len(learners)) as pool:  # the room logs in at once
                    for started in [pool.submit(start_learner, learner, hub_log) for learner in learners]:
                        started.result()
                yield Room(homes, hub, hub_process, hub_log, learners, base / "state")
            finally:
                for learner in learners:
                    if learner.kernel:
                        learner.kernel.close()
                stop_hub(hub_process)  # a no-op when the last test stopped it
    finally:
        shutil.rmtree(base, ignore_errors=True)
        remove_cgroups(names)  # after the learners' processes are gone: CgroupError names any left


def remove_cgroups(names: list[str]) -> None:
    """The learners' cgroups the hub made (empty once their processes are gone), if cgroups are in use."""
    try:
        from helpers.course import cgroups
    except ImportError:
        return
    for name in names:
        cgroups.remove(name)


# In learner B's kernel, with B's own secret: A's files, A's endpoint, router and control plane (delete, list
# jobs), A's server process, A's cleanup (what B can try); prints {attempt: what happened}.
TRESPASS = """
import json, os, subprocess, sys
from pathlib import Path
import boto3, botocore.exceptions, requests
from helpers.platform.serving.access import store_secret

a = json.loads({a!r})
mine = store_secret()
tried = {{}}
for label, path in [("notebook", a["notebook"]), ("secret", a["secret"]), ("store", a["home"]),
                    ("home", str(Path(a["home"]).parent))]:
    try:
        os.listdir(path) if Path(path).is_dir() else Path(path).read_bytes()
        tried[label] = "read"
    except OSError as error:
        tried[label] = type(error).__name__
csv = {{"content-type": "text/csv"}}
tried["endpoint"] = requests.post(a["endpoint"] + "/invocations", data="1,2,3,4", timeout=10,
                                  headers={{**csv, "x-flywheel-secret": mine}}).status_code
tried["router"] = requests.post(f"{{a['router']}}/{{mine}}/endpoints/{{a['name']}}-ep/invocations", data="1,2,3,4",
                                headers=csv, timeout=10).status_code
for label, operation, body in [("control plane delete", "DeleteEndpoint", {{"EndpointName": a["name"] + "-ep"}}),
                               ("control plane jobs", "ListTrainingJobs", {{}})]:
    control = {{"content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker." + operation}}
    tried[label] = requests.post(f"{{a['router']}}/{{mine}}", json=body, headers=control, timeout=10).status_code
try:
    os.kill(a["pid"], 0)  # signal 0: only asks whether B may signal A's endpoint server
    tried["signal"] = "allowed"
except OSError as error:
    tried["signal"] = type(error).__name__
# boto3 through A's router: refused by A's router (403), or before sending by B's own kit (PermissionError)
for label, client, call in [("boto3 invoke", "sagemaker-runtime", lambda c: c.invoke_endpoint(
                                EndpointName=a["name"] + "-ep", ContentType="text/csv", Body="1,2,3,4")),
                            ("boto3 delete", "sagemaker", lambda c: c.delete_endpoint(EndpointName=a["name"] + "-ep"))]:
    try:
        call(boto3.client(client, endpoint_url=f"{{a['router']}}/{{mine}}"))
        tried[label] = 200
    except botocore.exceptions.ClientError as error:
        tried[label] = error.response["ResponseMetadata"]["HTTPStatusCode"]
    except PermissionError:
        tried[label] = "PermissionError"
cleanup = subprocess.run([sys.executable, "-m", "helpers", "cleanup"], capture_output=True, text=True,
                         env={{**os.environ, "FLYWHEEL_HOME": a["home"]}}, timeout=60)
tried["cleanup"] = [cleanup.returncode, cleanup.stdout + cleanup.stderr]
print(json.dumps(tried))
"""

# In learner A's kernel: A's endpoint still answers A (boto3 through A's router).
STILL_ANSWERS = """
import boto3
answer = boto3.client("sagemaker-runtime").invoke_endpoint(EndpointName={endpoint!r}, ContentType="text/csv",
                                                           Body="1,2,3,4")
print(answer["ResponseMetadata"]["HTTPStatusCode"])
"""


def notebook_of(room: Room, learner: Learner) -> Path:
    return room.homes / learner.name / "flywheel" / LAB


def test_each_learner_pulled_the_labs_ran_a_lab_cell_and_deployed_in_their_own_kernel(room):
    for learner in room.learners:
        notebook = notebook_of(room, learner)
        assert notebook.exists() and notebook.stat().st_uid == learner.uid, notebook  # pulled, as the learner
        assert (room.homes / learner.name).stat().st_mode & 0o077 == 0  # the home: owner only
        assert "git-pull" in learner.info["landing"]
        assert "Day " in learner.info["lab"]  # the lab's setup cell printed its time estimate
        assert learner.info["uid"] == learner.uid  # the kernel runs as the learner, in their own store
        assert learner.info["home"] == str(room.homes / learner.name / ".flywheel")
        assert learner.info["status"] == 200  # boto3's invoke through their own router
        assert "FLYWHEEL_MAX_ENDPOINTS=1" in learner.info["refused"]  # a second endpoint: over the room's limit
    for key in ("router", "endpoint", "pid"):
        assert len({learner.info[key] for learner in room.learners}) == LEARNERS, key  # no collision


def test_each_learners_kernel_runs_inside_their_own_memory_and_cpu_limits(room):
    cgroups = pytest.importorskip("helpers.course.cgroups")
    if cgroups.available():
        pytest.skip(f"the hub runs learners without limits here: {cgroups.available()}")
    for learner in room.learners:
        assert f"/flywheel/{learner.name}" in learner.info["cgroup"]  # the kernel, a child of the server
        used = cgroups.usage(learner.name)
        assert used.memory_limit_bytes == MEMORY and used.cpu_limit_cores == 1, used


@pytest.fixture(scope="module")
def trespass(room):
    """What learner B's kernel got trying learner A's files, endpoint, router and cleanup."""
    a, b = room.learners[:2]
    target = {"name": a.name, "notebook": str(notebook_of(room, a)), **a.info}
    return b.kernel.run_json(TRESPASS.format(a=json.dumps(target)))


def test_another_learner_cannot_read_the_labs_the_store_or_the_home_nor_signal_the_servers(trespass):
    for label in ("notebook", "secret", "store", "home", "signal"):
        assert trespass[label] == "PermissionError", label


@pytest.mark.parametrize("attempt", ["endpoint", "router", "control plane delete", "control plane jobs"])
def test_another_learner_cannot_invoke_or_delete_the_endpoint_over_http(trespass, attempt):
    assert trespass[attempt] == 403  # A's server refuses B's secret


@pytest.mark.parametrize("attempt", ["boto3 invoke", "boto3 delete"])
def test_another_learner_cannot_invoke_or_delete_the_endpoint_with_boto3(trespass, attempt):
    assert trespass[attempt] in (403, "PermissionError")  # A's router refuses, or B's kit sends nothing


def test_another_learner_cannot_clean_up_the_endpoint_and_it_still_answers_its_owner(room, trespass):
    code, said = trespass["cleanup"]
    a = room.learners[0]
    assert code == 2 and "Permission denied" in said and "Traceback" not in said, said
    assert f"belongs to user {a.name}, not to you. Nothing was stopped." in said, said  # one line with the fix
    assert a.kernel.run(STILL_ANSWERS.format(endpoint=f"{a.name}-ep")).strip() == "200"


@pytest.mark.parametrize("path", ["/user/{a}/api/contents", "/user/{a}/api/kernels", "/hub/api/users/{a}"])
def test_the_hub_shows_another_learner_nothing_of_a_learners_server_or_record(room, path):
    a, b = room.learners[:2]
    url = room.hub + path.format(a=a.name)
    for how in (b.session.get(url, allow_redirects=False, timeout=30),  # B's browser session
                requests.get(url, headers=b.auth, allow_redirects=False, timeout=30)):  # B's API token
        assert how.status_code in (403, 404), how.text[:300]
        assert LAB not in how.text and a.token not in how.text
    assert requests.get(url, headers=a.auth, timeout=30).status_code == 200  # the owner's token: the same URL works


@pytest.mark.parametrize("method, path", [("post", "/hub/api/users/{a}/server"),
                                          ("delete", "/hub/api/users/{a}/server"),
                                          ("post", "/hub/api/users/{a}/tokens")])
def test_another_learner_cannot_start_stop_or_take_a_token_for_a_learners_server(room, method, path):
    a, b = room.learners[:2]
    answer = requests.request(method, room.hub + path.format(a=a.name), headers=b.auth, json={}, timeout=30)
    assert answer.status_code in (403, 404), answer.text[:300]


def test_a_learner_cannot_log_in_with_another_learners_name_or_without_a_code(room):
    a, b = room.learners[:2]
    assert not logged_in(log_in(room.hub, a.name, b.code))
    assert not logged_in(log_in(room.hub, a.name, ""))
    assert not logged_in(log_in(room.hub, "not-on-the-roster", a.code))
    assert logged_in(log_in(room.hub, a.name, a.code))  # the right pair still works


def stop_server(learner: Learner, hub_log: Path) -> None:
    """The learner's server stopped through the hub's API (as the learner: their token)."""
    learner.kernel.close()
    stop = requests.delete(f"{learner.hub}/hub/api/users/{learner.name}/server", headers=learner.auth, timeout=WAIT)
    assert stop.status_code in (202, 204), stop.text

    def stopped():
        user = requests.get(f"{learner.hub}/hub/api/users/{learner.name}", headers=learner.auth, timeout=30).json()
        return not user.get("servers")

    wait_until(stopped, f"{learner.name}'s server stopped", hub_log)


def test_teardown_the_instructor_stops_every_endpoint_then_servers_and_hub_stop_leaving_no_process(room, capsys):
    """Last in this file (it ends what the others use). The end of the day: the instructor sees who has
    an endpoint running and stops them all with one command each, given only the hub's state folder (its
    room.json names the homes and the learners' Python); then each server is stopped through the hub's
    API and the hub itself (as Ctrl-C in ``make classroom``): no process of any learner, nor the hub's
    proxy, is left."""
    assert classroom.main(["status", "--state", str(room.state)], ROOT) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert classroom.main(["stop-endpoints", "--state", str(room.state)], ROOT) == 0
    stopped = capsys.readouterr().out
    for learner in room.learners:
        assert f"{learner.name}-ep" in rows[learner.name]  # status: who has an endpoint running
        assert f"{learner.name}: stopped endpoint '{learner.name}-ep'" in stopped
        assert ended(learner.info["pid"])
    with ThreadPoolExecutor(len(room.learners)) as pool:
        for done in [pool.submit(stop_server, learner, room.hub_log) for learner in room.learners]:
            done.result()
    assert stop_hub(room.hub_process) == []  # the proxy ended with the hub
    for learner in room.learners:
        wait_until(lambda: not processes_of(learner.uid), f"{learner.name}'s processes ended", room.hub_log,
                   timeout=10)
