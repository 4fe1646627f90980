"""The classroom hub's parts, without a hub process (tests/course/test_classroom_hub.py starts the real one):
JupyterHub's config for a room, the roster login, the roster command, publishing labs that learners pull with
nbgitpuller (their edits survive a re-publish), the spawner's preexec order, and the errors with their fixes."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import stat
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from jupyterhub.spawner import LocalProcessSpawner
from nbgitpuller.pull import GitPuller
from traitlets.config import Config

from helpers import ROOT
from helpers.course import cgroups, classroom, hub, reset_lab
from helpers.course.hub_auth import NAME_PATTERN, ClassroomError, RosterAuthenticator, read_roster


def write_roster(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    return write_roster(tmp_path / "roster.txt", "# the room\nana aaaa-bbbb-cccc\nben dddd-eeee-ffff\n"
                                                 "lee gggg-hhhh-jjjj admin\n")


def a_room(tmp_path: Path, roster: Path, **changes) -> hub.Room:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    values = dict(roster=str(roster), state=str(state), homes=str(tmp_path / "homes"), ip="127.0.0.1", port=18000,
                  hub_port=18001, proxy_api_port=18002, memory_bytes=3 << 30, cpus=1.0, max_endpoints=2,
                  learner_python="/opt/py/bin/python", learner_env={"LD_LIBRARY_PATH": "/opt/py/lib"},
                  node="/x/node", proxy_entry="/x/chp", venv="/work/venv")
    return hub.Room(**{**values, **changes})


# --- JupyterHub's config ----------------------------------------------------------------------------------


def test_configure_sets_a_private_hub_with_the_rooms_login_spawner_and_limits(tmp_path, roster):
    room = a_room(tmp_path, roster)
    c = Config()
    hub.configure(c, room)
    state = Path(room.state)
    assert c.JupyterHub.bind_url == "http://127.0.0.1:18000"
    assert (c.JupyterHub.hub_ip, c.JupyterHub.hub_port) == ("127.0.0.1", 18001)
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:18002"  # the proxy's API: loopback only
    assert c.ConfigurableHTTPProxy.command == ["/x/node", "/x/chp"]
    assert c.JupyterHub.db_url == f"sqlite:///{state / 'jupyterhub.sqlite'}"
    assert c.JupyterHub.cookie_secret_file == str(state / "jupyterhub_cookie_secret")
    token = state / "proxy_token"
    assert c.ConfigurableHTTPProxy.auth_token == token.read_text().strip() and len(c.ConfigurableHTTPProxy.auth_token) == 64
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert c.JupyterHub.authenticator_class is RosterAuthenticator
    assert c.RosterAuthenticator.roster_file == str(roster)
    assert c.Authenticator.allowed_users == {"ana", "ben", "lee"} and c.Authenticator.admin_users == {"lee"}
    assert c.Authenticator.allow_existing_users is False  # the roster, not the hub's database, says who may log in
    assert c.JupyterHub.spawner_class is hub.FlywheelSpawner
    assert c.FlywheelSpawner.homes == room.homes and c.FlywheelSpawner.use_cgroups is True
    assert c.Spawner.cmd == ["/opt/py/bin/python", "-m", "jupyterhub.singleuser"]
    assert (c.Spawner.mem_limit, c.Spawner.cpu_limit) == (3 << 30, 1.0)
    env = c.Spawner.environment
    assert env["FLYWHEEL_MAX_ENDPOINTS"] == "2" and env["LD_LIBRARY_PATH"] == "/opt/py/lib"
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(state / "learner-share"), "/work/venv/share/jupyter"]
    assert env["JUPYTER_CONFIG_PATH"] == "/work/venv/etc/jupyter"
    assert env["PATH"].split(os.pathsep)[0] == "/opt/py/bin"
    assert env["GIT_CONFIG_SYSTEM"] == str(state / "learner-share" / "gitconfig")
    query = parse_qs(urlsplit(c.Spawner.default_url).query)
    assert urlsplit(c.Spawner.default_url).path == "/git-pull"
    assert query == {"repo": [f"file://{state / 'labs.git'}"], "branch": ["main"],
                     "urlpath": ["lab/tree/flywheel/00_welcome.ipynb"], "targetpath": ["flywheel"]}


def test_configure_keeps_the_proxy_token_across_restarts_and_sets_no_limit_when_none(tmp_path, roster):
    first, second = Config(), Config()
    hub.configure(first, a_room(tmp_path, roster))
    hub.configure(second, a_room(tmp_path, roster, memory_bytes=None, cpus=None, max_endpoints=None))
    assert first.ConfigurableHTTPProxy.auth_token == second.ConfigurableHTTPProxy.auth_token
    assert "mem_limit" not in second.Spawner and "cpu_limit" not in second.Spawner
    assert "FLYWHEEL_MAX_ENDPOINTS" not in second.Spawner.environment


def test_shared_password_mode_uses_jupyterhubs_authenticator_with_the_roster_names(tmp_path, roster, monkeypatch):
    monkeypatch.setenv(hub.SHARED_PASSWORD_ENV, "workshop-2026")
    c = Config()
    hub.configure(c, a_room(tmp_path, roster, auth="shared"))
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "workshop-2026"
    assert c.Authenticator.allowed_users == {"ana", "ben", "lee"}
    assert "admin_users" not in c.Authenticator  # its admins need a 32+ character admin password: none


# --- the roster login ----------------------------------------------------------------------------------------


def login(roster: Path, name: str, code: str):
    return asyncio.run(RosterAuthenticator(roster_file=str(roster)).authenticate(None, {"username": name, "password": code}))


def test_a_learner_logs_in_with_their_own_code_only(roster):
    assert login(roster, "ana", "aaaa-bbbb-cccc") == {"name": "ana", "admin": False}
    assert login(roster, "Ana", "aaaa-bbbb-cccc") == {"name": "ana", "admin": False}  # JupyterHub lowercases
    assert login(roster, "lee", "gggg-hhhh-jjjj") == {"name": "lee", "admin": True}
    assert login(roster, "ana", "dddd-eeee-ffff") is None  # ben's code
    assert login(roster, "ana", "") is None
    assert login(roster, "zoe", "aaaa-bbbb-cccc") is None  # not in the roster


def test_a_code_changed_in_the_roster_applies_at_the_next_login(roster):
    write_roster(roster, "ana new1-new2-new3\n")
    assert login(roster, "ana", "aaaa-bbbb-cccc") is None
    assert login(roster, "ana", "new1-new2-new3") == {"name": "ana", "admin": False}


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the roster to another user needs root")
def test_a_roster_another_user_owns_is_refused(roster):
    os.chown(roster, 65534, 65534)
    with pytest.raises(ClassroomError, match=r"belongs to uid 65534, not to the hub's user \(uid 0\): chown 0 "):
        read_roster(roster)
    assert login(roster, "ana", "aaaa-bbbb-cccc") is None


def test_no_login_at_all_while_the_roster_is_readable_by_others(roster):
    roster.chmod(0o644)
    assert login(roster, "ana", "aaaa-bbbb-cccc") is None


# --- the roster command and the roster's errors ----------------------------------------------------------------


def test_classroom_roster_writes_a_private_file_with_a_distinct_code_each(tmp_path, capsys):
    out = tmp_path / "room.txt"
    assert classroom.main(["roster", "--names", "ana, ben,caro,ben", "--admin", "lee", "--out", str(out)], tmp_path) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    entries = read_roster(out)
    assert list(entries) == ["ana", "ben", "caro", "lee"] and [e.name for e in entries.values() if e.admin] == ["lee"]
    codes = [entry.code for entry in entries.values()]
    assert len(set(codes)) == 4 and all(len(code.replace("-", "")) == 12 for code in codes)
    assert "4 codes written" in capsys.readouterr().out
    before = out.read_text()
    assert classroom.main(["roster", "--names", "zoe", "--out", str(out)], tmp_path) == 2  # codes handed out
    assert out.read_text() == before
    assert "exists" in capsys.readouterr().err


def test_a_name_that_cannot_be_a_unix_user_is_refused_with_an_example(tmp_path, capsys):
    assert classroom.main(["roster", "--names", "ana,Ben Smith", "--out", str(tmp_path / "r")], tmp_path) == 2
    assert "'Ben Smith' cannot be a learner's name: use a Unix user name" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("text, mode, expected", [
    (None, 0o600, "no roster at"),
    ("ana aaaa-bbbb-cccc\n", 0o644, "chmod 600"),
    ("ana aaaa-bbbb-cccc teacher\n", 0o600, ":1: expected 'name code' or 'name code admin'"),
    ("ana short\n", 0o600, "shorter than 10"),
    ("ana aaaa-bbbb-cccc\nana dddd-eeee-ffff\n", 0o600, ":2: ana is listed twice"),
    ("# nobody yet\n", 0o600, "lists no learner"),
])
def test_a_bad_roster_is_refused_naming_the_line_and_the_fix(tmp_path, text, mode, expected):
    path = tmp_path / "roster.txt"
    if text is not None:
        write_roster(path, text, mode)
    with pytest.raises(ClassroomError, match=expected.replace("(", r"\(")):
        read_roster(path)


# --- publishing the labs ------------------------------------------------------------------------------------------


def notebook(text: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": [text]}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5})


def pull(repo: Path, target: Path) -> None:
    for _ in GitPuller(f"file://{repo}", str(target), branch=hub.LABS_BRANCH).pull():
        pass


def test_a_learners_edit_survives_a_republish_and_the_next_pull(tmp_path):
    labs, repo, mine = tmp_path / "labs", tmp_path / "state" / "labs.git", tmp_path / "home" / "flywheel"
    (labs / ".backup").mkdir(parents=True)
    (labs / "01_intro.ipynb").write_text(notebook("intro v1"))
    (labs / "02_data.ipynb").write_text(notebook("data v1"))
    (labs / "glossary.md").write_text("# Glossary\n")
    (labs / ".backup" / "01_intro-old.ipynb").write_text(notebook("a backup"))
    first = hub.publish_labs(labs, repo)
    assert first and hub.publish_labs(labs, repo) is None  # nothing changed: no new commit
    pull(repo, mine)
    assert sorted(path.name for path in mine.iterdir() if path.name != ".git") == \
        ["01_intro.ipynb", "02_data.ipynb", "glossary.md"]  # no backups, no checkpoints
    (mine / "01_intro.ipynb").write_text(notebook("my answers"))  # the learner's work
    (mine / "03_new.ipynb").write_text(notebook("my own notebook, named like the next lab"))
    (labs / "01_intro.ipynb").write_text(notebook("intro v2"))  # the instructor fixes both labs...
    (labs / "02_data.ipynb").write_text(notebook("data v2"))
    (labs / "03_new.ipynb").write_text(notebook("new lab"))  # ...and adds one whose name the learner took
    assert hub.publish_labs(labs, repo) not in (None, first)
    pull(repo, mine)
    assert "my answers" in (mine / "01_intro.ipynb").read_text()  # the learner's edit wins
    assert "data v2" in (mine / "02_data.ipynb").read_text()  # an untouched lab is updated
    assert "new lab" in (mine / "03_new.ipynb").read_text()
    renamed = [path for path in mine.glob("03_new_*.ipynb")]  # nbgitpuller renames the clashing file
    assert len(renamed) == 1 and "my own notebook" in renamed[0].read_text()


def test_the_labs_repository_is_readable_by_learners(tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "00_welcome.ipynb").write_text(notebook("hello"))
    repo = tmp_path / "labs.git"
    hub.publish_labs(labs, repo)
    for path in [repo, *repo.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & (stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)), path


def test_publishing_no_notebooks_names_make_labs(tmp_path):
    (tmp_path / "labs").mkdir()
    with pytest.raises(ClassroomError, match="make labs"):
        hub.publish_labs(tmp_path / "labs", tmp_path / "labs.git")


def test_the_learner_share_holds_the_labs_kernel_and_the_git_exception(tmp_path, roster):
    room = a_room(tmp_path, roster)
    spec = json.loads(hub.write_learner_share(room).read_text())
    assert spec["argv"][0] == "/opt/py/bin/python" and spec["display_name"] == "Python 3 (Flywheel)"
    share = Path(room.state) / hub.LEARNER_SHARE
    assert f"directory = {room.labs_repo}" in (share / "gitconfig").read_text()
    assert all(stat.S_IMODE(path.stat().st_mode) & stat.S_IROTH for path in [share, *share.rglob("*")])


# --- the spawner ----------------------------------------------------------------------------------------------------


def test_the_spawner_joins_the_cgroup_before_dropping_to_the_learner_then_goes_home(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cgroups, "join", lambda group, limits: calls.append(("join", group, limits)))
    monkeypatch.setattr(LocalProcessSpawner, "make_preexec_fn", lambda self, name: lambda: calls.append(("setuid", name)))
    (tmp_path / "ana").mkdir()
    spawner = hub.FlywheelSpawner(user=SimpleNamespace(name="ana"), homes=str(tmp_path), mem_limit=3 << 30, cpu_limit=0.5)
    monkeypatch.chdir(tmp_path)  # the preexec changes this process's folder: monkeypatch restores it
    spawner.make_preexec_fn("ana")()
    assert os.getcwd() == str(tmp_path / "ana")
    assert calls == [("join", "ana", cgroups.Limits(memory_bytes=3 << 30, cpus=0.5, pids=hub.PIDS_PER_LEARNER)),
                     ("setuid", "ana")]


def test_the_spawner_skips_cgroups_when_they_are_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroups, "join", lambda *args: pytest.fail("joined a cgroup"))
    monkeypatch.setattr(LocalProcessSpawner, "make_preexec_fn", lambda self, name: lambda: None)
    (tmp_path / "ana").mkdir()
    spawner = hub.FlywheelSpawner(user=SimpleNamespace(name="ana"), homes=str(tmp_path), use_cgroups=False)
    monkeypatch.chdir(tmp_path)  # the preexec changes this process's folder: monkeypatch restores it
    spawner.make_preexec_fn("ana")()


def test_the_learners_home_and_store_are_in_homes(tmp_path, monkeypatch):
    monkeypatch.setattr(LocalProcessSpawner, "user_env", lambda self, env: {**env, "HOME": "/elsewhere"})
    spawner = hub.FlywheelSpawner(user=SimpleNamespace(name="ana"), homes=str(tmp_path))
    env = spawner.user_env({})
    assert env["HOME"] == str(tmp_path / "ana") and env["FLYWHEEL_HOME"] == str(tmp_path / "ana" / ".flywheel")


def test_a_learners_reset_lab_acts_on_the_copy_the_git_pull_link_makes(tmp_path, roster, monkeypatch):
    monkeypatch.setattr(LocalProcessSpawner, "user_env", lambda self, env: dict(env))
    env = hub.FlywheelSpawner(user=SimpleNamespace(name="ana"), homes=str(tmp_path / "homes")).user_env({})
    copy = Path(env["HOME"]) / parse_qs(urlsplit(hub.pull_url(a_room(tmp_path, roster))).query)["targetpath"][0]
    assert reset_lab.labs_folder(ROOT, environ=env) == (copy, reset_lab.LABS_ENV)  # not ROOT / "labs"


def test_a_learners_jupyterlab_may_open_reset_labs_backups(tmp_path, roster):
    from jupyter_server.serverapp import ServerApp

    c = Config()
    hub.configure(c, a_room(tmp_path, roster))
    server = ServerApp()
    server.parse_command_line(c.Spawner.args)  # as jupyterhub.singleuser (a ServerApp) reads what the spawner adds
    # Jupyter's default hides ~/flywheel/.backup/ (tests/course/test_reset_lab.py shows what the option changes)
    assert server.config.ContentsManager.allow_hidden is True


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a home to another user needs root")
def test_a_missing_home_is_made_private_and_an_existing_one_checked(tmp_path):
    home = tmp_path / "homes" / "ana"
    assert hub.ensure_home(home, 65534, 65534) is None
    info = home.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o700)
    assert hub.ensure_home(home, 65534, 65534) is None  # already right: nothing to say
    home.chmod(0o755)
    assert "chmod 700" in hub.ensure_home(home, 65534, 65534)
    assert stat.S_IMODE(home.stat().st_mode) == 0o755  # an existing home is not changed behind the user's back
    with pytest.raises(ClassroomError, match="belongs to uid 65534, not to its learner .uid 1234.: give the learner"):
        hub.ensure_home(home, 1234, 1234)


# --- errors with their fixes ---------------------------------------------------------------------------------------


def hub_args(roster: Path, *extra: str) -> list[str]:
    return ["hub", "--roster", str(roster), *extra]


@pytest.mark.parametrize("option, expected", [
    (["--memory", "3 gigs"], "--memory: memory limit '3 gigs' is not understood: give a number of bytes"),
    (["--cpus", "one"], "--cpus: cpus 'one' is not a number of cores above 0"),
    (["--max-endpoints", "-1"], "--max-endpoints -1: give a number of live endpoints per learner"),
    (["--learner-env", "LD_LIBRARY_PATH"], "expected NAME=VALUE"),
])
def test_bad_options_are_refused_before_anything_starts(tmp_path, roster, capsys, option, expected):
    assert classroom.main(hub_args(roster, "--state", str(tmp_path / "state"), *option), tmp_path) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "state").exists()


def test_only_root_may_start_the_hub(tmp_path, roster, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ClassroomError, match="run it as root"):
        hub.prepare(a_room(tmp_path, roster), create_users=False, python_given=False)


def test_a_learner_python_others_cannot_run_is_refused_with_the_fix(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    python = private / "python"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    with pytest.raises(ClassroomError, match="learners cannot run --learner-python .*outside any private home"):
        hub.check_learner_python(str(python), given=True)
    with pytest.raises(ClassroomError, match="make clean-venv && make classroom PYTHON=/usr/bin/python3.11.*--learner-python"):
        hub.check_learner_python(str(python), given=False)
    with pytest.raises(ClassroomError, match="no such file"):
        hub.check_learner_python(str(tmp_path / "nothing"), given=True)
    hub.check_learner_python("/bin/sh", given=True)  # it and every folder above it let others through


@pytest.mark.skipif(os.geteuid() != 0, reason="running a program as a learner needs root")
def test_a_learner_python_that_cannot_import_the_kit_is_refused_before_the_start(tmp_path, roster):
    with pytest.raises(ClassroomError, match="/bin/false, run as nobody, cannot import the kit: .no output.. The learners "
                                             "need read access to the checkout"):
        hub.try_learner_python(a_room(tmp_path, roster, learner_python="/bin/false", learner_env={}), "nobody")


def test_a_missing_proxy_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "ROOT", tmp_path)
    with pytest.raises(ClassroomError, match="the proxy is not installed.*npm\\(sys.argv"):
        hub.proxy_command()


def test_a_missing_user_is_refused_unless_asked_to_make_it(tmp_path):
    with pytest.raises(ClassroomError, match="pass --create-users, or make it yourself .useradd"):
        hub.ensure_user("flywheel-nobody-here", tmp_path, create=False)


def test_the_hub_commands_say_what_to_install_when_jupyterhub_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "helpers.course.hub", None)  # import fails as without the extra
    assert classroom.main(["roster", "--names", "ana", "--out", str(tmp_path / "r")], tmp_path) == 2
    assert "make classroom" in capsys.readouterr().err


# --- the instructor's view --------------------------------------------------------------------------------------------


def test_status_shows_each_learners_cgroup_use_and_skips_learners_without_one(monkeypatch):
    groups = {"ana": "2 processes killed for memory (limit 3.0 GiB)"}
    monkeypatch.setattr(cgroups, "usage", lambda name: groups.get(name))
    monkeypatch.setattr(cgroups, "describe", lambda found: found)  # usage() above returns the text itself
    learners = [classroom.Learner(name, Path(f"/home/{name}/.flywheel"), 1000 + n) for n, name in enumerate(["ana", "ben"])]
    assert classroom.resource_lines(learners) == ["", "Resources (each learner's cgroup, limits from the hub):",
                                                  "  ana: 2 processes killed for memory (limit 3.0 GiB)"]
    groups.clear()
    assert classroom.resource_lines(learners) == []  # no hub here: the section is left out


@pytest.mark.parametrize("options, warned", [("rw,nosuid,relatime", True), ("rw,relatime,hidepid=invisible", False),
                                             ("rw,hidepid=2", False), ("rw,hidepid=0", True)])
def test_the_hub_warns_when_learners_can_see_each_others_processes(tmp_path, options, warned):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"sysfs /sys sysfs rw 0 0\nproc /proc proc {options} 0 0\n")
    problem = hub.proc_problem(mounts)
    assert (problem is not None) == warned
    assert problem is None or "mount -o remount,hidepid=invisible /proc" in problem


def test_the_hubs_exit_removes_each_learners_cgroup_or_says_whose_processes_remain(tmp_path, roster, monkeypatch):
    removed = []

    def remove(name):
        if name == "ben":
            raise cgroups.CgroupError("cgroup /sys/fs/cgroup/memory/flywheel/ben still has processes [4242]")
        removed.append(name)

    monkeypatch.setattr(cgroups, "remove", remove)
    out = io.StringIO()
    hub.release_groups(a_room(tmp_path, roster), out)
    assert removed == ["ana", "lee"]
    assert "ben's cgroup stays: cgroup /sys/fs/cgroup/memory/flywheel/ben still has processes [4242]" in out.getvalue()
    assert "classroom stop-endpoints --homes" in out.getvalue()
    removed.clear()
    hub.release_groups(a_room(tmp_path, roster, cgroups=False), out)  # the hub applied no limits
    assert removed == []


def test_publish_labs_prints_the_link_that_pulls_them_into_every_learners_copy(tmp_path, roster, capsys):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "00_welcome.ipynb").write_text(notebook("hello"))
    a_room(tmp_path, roster, ip="10.0.0.5", port=8000).save()  # the hub ran: its room is known
    assert classroom.main(["publish-labs", "--state", str(tmp_path / "state")], tmp_path) == 0
    out = capsys.readouterr().out
    assert "http://10.0.0.5:8000/hub/user-redirect/git-pull?repo=file%3A%2F%2F" in out
    assert classroom.main(["publish-labs", "--state", str(tmp_path / "state")], tmp_path) == 0
    assert "labs unchanged since the last publish" in capsys.readouterr().out


def test_a_state_or_homes_folder_learners_cannot_reach_is_refused_naming_the_option(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(ClassroomError, match=r"learners cannot reach .*/private/state/x: .*/private or a folder above "
                                             r"it is closed .* they would miss the labs\. Pass --state"):
        hub.check_reachable(private / "state" / "x", "--state", "the labs")
    hub.check_reachable(Path("/usr/share/not-made-yet"), "--homes", "their home")  # /usr: open to all


def test_a_taken_port_is_refused_naming_another(tmp_path):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(ClassroomError, match=f"cannot listen on 127.0.0.1:{port} .*Choose another --port"):
            hub.check_port("127.0.0.1", port)
    hub.check_port("127.0.0.1", port)  # free again


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"), reason="making users needs root and useradd")
def test_a_learner_useradd_cannot_make_is_refused_with_its_reason(tmp_path):
    import grp
    import pwd

    taken = next((group.gr_name for group in grp.getgrall() if NAME_PATTERN.fullmatch(group.gr_name)
                  and group.gr_name not in {user.pw_name for user in pwd.getpwall()}), None)
    if taken is None:
        pytest.skip("no group without a user of its name here")
    with pytest.raises(ClassroomError, match=f"useradd could not make the learner '{taken}': .*group"):
        hub.ensure_user(taken, tmp_path, create=True)  # --user-group: its group name is taken
    with pytest.raises(KeyError):
        pwd.getpwnam(taken)  # nothing was made


def test_the_options_make_a_room_with_absolute_paths_and_the_default_limits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = hub.build_parser().parse_args(["hub", "--roster", "room.txt", "--learner-python", "py/bin/python",
                                          "--state", "st", "--learner-env", "A=b=c"])
    room = hub.room_from(args, Path("/srv/kit"))
    assert room.learner_python == str(tmp_path / "py" / "bin" / "python")  # servers start in the learner's home
    assert (room.roster, room.state) == (str(tmp_path / "room.txt"), "/srv/kit/st")
    assert (room.memory_bytes, room.cpus, room.max_endpoints) == (3 << 30, 1.0, 2)
    assert room.learner_env == {"A": "b=c"}
    unlimited = hub.room_from(hub.build_parser().parse_args(
        ["hub", "--roster", "r", "--memory", "none", "--cpus", "none", "--max-endpoints", "0"]), Path("/srv/kit"))
    assert (unlimited.memory_bytes, unlimited.cpus, unlimited.max_endpoints) == (None, None, None)


def test_status_and_stop_endpoints_find_the_learners_from_the_hubs_room(tmp_path, roster, monkeypatch, capsys):
    state = tmp_path / "state"
    assert classroom.main(["status", "--state", str(state)], tmp_path) == 2  # no hub ran there, no --homes
    assert "no --homes, and no hub has run from" in capsys.readouterr().err
    room = a_room(tmp_path, roster)
    room.save()
    (Path(room.homes) / "ana" / ".flywheel").mkdir(parents=True)
    assert classroom.main(["status", "--state", str(state)], tmp_path) == 0
    assert f"1 learner home(s) match {room.homes}/*/.flywheel" in capsys.readouterr().out
    runs = []
    monkeypatch.setattr(classroom.subprocess, "run", lambda argv, **options: runs.append((argv, options["env"])) or
                        SimpleNamespace(stdout="nothing to stop", stderr="", returncode=0))
    assert classroom.main(["stop-endpoints", "--state", str(state)], tmp_path) == 0
    [(argv, env)] = runs
    assert argv == ["/opt/py/bin/python", "-m", "helpers", "cleanup"]  # the Python learners may run
    assert env["LD_LIBRARY_PATH"] == "/opt/py/lib" and env["FLYWHEEL_HOME"] == f"{room.homes}/ana/.flywheel"


def test_the_address_learners_open_names_this_host_when_the_hub_listens_everywhere(tmp_path, roster, monkeypatch):
    monkeypatch.setattr(hub.socket, "getfqdn", lambda: "room42.example.org")
    assert hub.public_url(a_room(tmp_path, roster, ip="0.0.0.0", port=8000)) == "http://room42.example.org:8000/"
    assert hub.public_url(a_room(tmp_path, roster, ip="127.0.0.1", port=8000)) == "http://127.0.0.1:8000/"


# --- TLS on the room's network ----------------------------------------------------------------------------------------


def self_signed(folder: Path, name: str = "hub", passphrase: bytes | None = None) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and its key (0600), as PEM files in ``folder``."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())  # EC: milliseconds, where RSA takes tenths of a second
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption())
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    key_path.chmod(0o600)
    return cert_path, key_path


@pytest.mark.parametrize("ip", ["0.0.0.0", "10.0.0.5", "::", "room42.example.org"])
def test_a_hub_on_the_network_without_tls_is_refused_naming_the_fixes(tmp_path, roster, capsys, ip):
    assert classroom.main(hub_args(roster, "--state", str(tmp_path / "state"), "--ip", ip), tmp_path) == 2
    error = capsys.readouterr().err
    assert f"--ip {ip} serves the room's network over plain http: the login codes and every notebook" in error
    assert "--ssl-cert FILE --ssl-key FILE" in error and "openssl req -x509" in error
    assert "reverse proxy in front and keep --ip 127.0.0.1" in error and "--insecure-http" in error
    assert not (tmp_path / "state").exists()
    assert hub.check_tls(ip, None, None, insecure=True) == ("", "")  # the instructor's choice, on a trusted network


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_a_hub_only_this_machine_reaches_needs_no_certificate(ip):
    assert hub.check_tls(ip, None, None, insecure=False) == ("", "")


def test_tls_reaches_jupyterhubs_config_and_the_learners_address_becomes_https(tmp_path, roster, monkeypatch):
    from jupyterhub.app import JupyterHub

    cert, key = self_signed(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = hub.build_parser().parse_args(["hub", "--roster", str(roster), "--ip", "0.0.0.0", "--ssl-cert", cert.name,
                                          "--ssl-key", key.name])
    room = hub.room_from(args, tmp_path)
    assert (room.ssl_cert, room.ssl_key) == (str(cert), str(key))  # absolute: the hub runs from --state
    room = a_room(tmp_path, roster, ip=room.ip, ssl_cert=room.ssl_cert, ssl_key=room.ssl_key)
    c = Config()
    hub.configure(c, room)
    assert c.JupyterHub.bind_url == "https://0.0.0.0:18000"
    app = JupyterHub(config=c)  # the names are JupyterHub's own traits (a misspelt one would be ignored)
    assert (app.ssl_cert, app.ssl_key) == (str(cert), str(key))
    monkeypatch.setattr(hub.socket, "getfqdn", lambda: "room42.example.org")
    assert hub.public_url(room) == "https://room42.example.org:18000/"
    plain = Config()
    hub.configure(plain, a_room(tmp_path, roster))
    assert plain.JupyterHub.bind_url == "http://127.0.0.1:18000" and "ssl_cert" not in plain.JupyterHub


def test_bad_tls_files_are_refused_naming_the_problem_and_the_fix(tmp_path):
    cert, key = self_signed(tmp_path)
    other_cert, other_key = self_signed(tmp_path, "other")
    _, locked_key = self_signed(tmp_path, "locked", passphrase=b"secret")
    ip = "0.0.0.0"
    with pytest.raises(ClassroomError, match="--ssl-cert and --ssl-key go together"):
        hub.check_tls(ip, str(cert), None, insecure=False)
    with pytest.raises(ClassroomError, match=r"--ssl-cert .*/missing.crt: no such file"):
        hub.check_tls(ip, str(tmp_path / "missing.crt"), str(key), insecure=False)
    with pytest.raises(ClassroomError, match=r"cannot serve TLS .*: give the PEM certificate .chain first. and the "
                                             r"private key made with it"):
        hub.check_tls(ip, str(cert), str(other_key), insecure=False)  # a key from another pair
    (tmp_path / "garbage.crt").write_text("not a certificate\n")
    with pytest.raises(ClassroomError, match="cannot serve TLS"):
        hub.check_tls(ip, str(tmp_path / "garbage.crt"), str(key), insecure=False)
    with pytest.raises(ClassroomError, match=r"protected by a passphrase, which the proxy cannot ask for: .*openssl pkey"):
        hub.check_tls(ip, str(cert), str(locked_key), insecure=False)
    key.chmod(0o644)
    with pytest.raises(ClassroomError, match=r"is open to every user \(mode 0644\), learners included.*: chmod 600 "):
        hub.check_tls(ip, str(cert), str(key), insecure=False)
    assert hub.check_tls(ip, str(other_cert), str(other_key), insecure=True) == (str(other_cert), str(other_key))


# --- releasing solutions ----------------------------------------------------------------------------------------------


def test_released_solutions_reach_the_learners_copy_beside_their_labs_and_stay_released(tmp_path, capsys):
    labs, solved, state = tmp_path / "labs", tmp_path / "solutions", tmp_path / "state"
    mine = tmp_path / "home" / "flywheel"
    labs.mkdir()
    solved.mkdir()
    for name in ("01_intro", "03_features"):
        (labs / f"{name}.ipynb").write_text(notebook(f"{name} TODO"))
        (solved / f"{name}.ipynb").write_text(notebook(f"{name} solved"))
    assert classroom.main(["publish-labs", "--state", str(state)], tmp_path) == 0  # labs only, by default
    pull(state / "labs.git", mine)
    assert not (mine / "solutions").exists()
    (mine / "03_features.ipynb").write_text(notebook("my answers"))
    capsys.readouterr()
    assert classroom.main(["publish-labs", "--state", str(state), "--solutions", "3"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "labs and solutions 03 published to" in out and "(solutions into ~/flywheel/solutions/)" in out
    pull(state / "labs.git", mine)
    assert "my answers" in (mine / "03_features.ipynb").read_text()  # the learner's lab is theirs
    assert [path.name for path in (mine / "solutions").iterdir()] == ["03_features.ipynb"]
    assert "03_features solved" in (mine / "solutions" / "03_features.ipynb").read_text()
    (labs / "01_intro.ipynb").write_text(notebook("01_intro fixed"))  # a plain publish later...
    assert classroom.main(["publish-labs", "--state", str(state)], tmp_path) == 0
    pull(state / "labs.git", mine)
    assert "01_intro fixed" in (mine / "01_intro.ipynb").read_text()
    assert (mine / "solutions" / "03_features.ipynb").exists()  # ...does not take a released solution back
    capsys.readouterr()
    assert classroom.main(["publish-labs", "--state", str(state), "--solutions"], tmp_path) == 0  # all of them
    pull(state / "labs.git", mine)
    assert sorted(path.name for path in (mine / "solutions").iterdir()) == ["01_intro.ipynb", "03_features.ipynb"]
    assert classroom.main(["publish-labs", "--state", str(state), "--solutions", "03_features"], tmp_path) == 0
    assert "labs and solutions 03 unchanged since the last publish" in capsys.readouterr().out


def test_releasing_a_solution_that_does_not_exist_names_the_ones_that_do(tmp_path, capsys):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "01_intro.ipynb").write_text(notebook("lab"))
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "01_intro.ipynb").write_text(notebook("solved"))
    assert classroom.main(["publish-labs", "--state", str(tmp_path / "state"), "--solutions", "01", "42"], tmp_path) == 2
    error = capsys.readouterr().err
    assert "--solutions 42: no such notebook in" in error and "give numbers from 01, or no number to release" in error
    assert not (tmp_path / "state").exists()  # nothing published


def test_the_pinned_proxy_serves_https_with_a_certificate_the_hub_accepts(tmp_path):
    """The proxy JupyterHub starts (it passes ssl_cert/ssl_key on as --ssl-cert/--ssl-key) answers over TLS with
    a self-signed certificate that check_tls let through: what a learner's browser reaches."""
    import ssl
    import subprocess
    import time
    import urllib.error
    import urllib.request

    try:
        node, entry = hub.proxy_command()
    except ClassroomError as error:
        pytest.skip(str(error))
    cert, key = hub.check_tls("0.0.0.0", *map(str, self_signed(tmp_path)), insecure=False)
    port, api_port = hub.free_port(), hub.free_port()
    proxy = subprocess.Popen([node, entry, "--ip", "127.0.0.1", "--port", str(port), "--api-ip", "127.0.0.1",
                              "--api-port", str(api_port), "--ssl-cert", cert, "--ssl-key", key, "--log-level", "warn"],
                             env={**os.environ, "CONFIGPROXY_AUTH_TOKEN": "t" * 32}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    trusting = ssl.create_default_context(cafile=cert)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"https://localhost:{port}/", context=trusting, timeout=2)
                status = 200
                break
            except urllib.error.HTTPError as error:  # no route yet: the proxy answered, over TLS
                status = error.code
                break
            except urllib.error.URLError as error:
                if isinstance(error.reason, ssl.SSLError) or time.monotonic() > deadline or proxy.poll() is not None:
                    raise
                time.sleep(0.05)  # the proxy is still starting
        assert status in (404, 503)
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(f"https://localhost:{port}/", context=ssl.create_default_context(), timeout=2)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


GIB = 2**30


def test_memory_limits_that_fit_the_server_say_nothing():
    assert hub.room_fits(20, 1 * GIB, 24 * GIB) is None  # 20 GiB of limits, 23 GiB to give
    assert hub.room_fits(48, None, 24 * GIB) is None  # no memory limit: nothing adds up


def test_limits_over_the_server_name_the_memory_that_fits():
    said = hub.room_fits(30, 3 * GIB, 24 * GIB)
    assert said.startswith("30 learners x --memory 3.0 GiB = 90.0 GiB of limits on a server of 24.0 GiB")
    assert said.endswith("--memory 785M makes the limits fit (notebook 08 needs 512M).")  # 23 GiB / 30


def test_a_room_too_big_for_the_server_is_told_so():
    said = hub.room_fits(60, 3 * GIB, 24 * GIB)  # 23 GiB / 60 = 392 MiB: below what notebook 08 needs
    assert "The server is too small for 60 learners at once (notebook 08 needs 512M each" in said
    assert "--memory" not in said.split(": if every")[1]  # no --memory to suggest


def test_the_hub_warns_at_start_when_the_limits_do_not_fit(tmp_path, roster, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    for check in ("check_learner_python", "check_port", "check_reachable"):  # checked by their own tests
        monkeypatch.setattr(hub, check, lambda *args: None)
    monkeypatch.setattr(hub, "proxy_command", lambda: ("/x/node", "/x/chp"))
    learners = len(read_roster(roster))
    monkeypatch.setattr(hub, "physical_memory", lambda: learners * 3 * GIB)  # 3G each: less the hub's 1 GiB
    warned = hub.check_room(a_room(tmp_path, roster, memory_bytes=3 * GIB), python_given=True)
    assert any(w.startswith(f"{learners} learners x --memory 3.0 GiB") for w in warned), warned
    monkeypatch.setattr(hub, "physical_memory", lambda: learners * 3 * GIB + GIB)  # now it fits
    warned = hub.check_room(a_room(tmp_path, roster, memory_bytes=3 * GIB), python_given=True)
    assert not any("learners x --memory" in w for w in warned), warned
