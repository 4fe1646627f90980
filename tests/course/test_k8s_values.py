"""classroom/z2jh-values.yaml, the `make classroom` room for Zero to JupyterHub (classroom/kubernetes.md):
only chart keys, the kit's own classroom defaults, and a hub side that works with nothing but the files
the install command mounts into the chart's hub pod. No cluster here: this is what can be checked without one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from jupyterhub.traitlets import ByteSpecification

from helpers import ROOT
from helpers.course import hub, hub_auth, reset_lab

VALUES = ROOT / "classroom" / "z2jh-values.yaml"
GUIDE = ROOT / "classroom" / "kubernetes.md"

# The chart keys this file may set: a subset of the values of z2jh chart 4.1.0, as listed by
# `helm show values jupyterhub/jupyterhub --version 4.1.0` (the version kubernetes.md installs), and
# kept unchanged there since chart 3.0. A key missing here is a typo or a key of another chart version:
# check it in that chart's values before adding it.
CHART_KEYS = {
    "hub", "hub.config", "hub.extraConfig", "hub.extraFiles", "hub.extraEnv",
    "proxy", "proxy.service", "proxy.service.type", "proxy.https", "proxy.https.enabled", "proxy.https.hosts",
    "proxy.https.letsencrypt", "proxy.https.letsencrypt.contactEmail",
    "singleuser", "singleuser.image", "singleuser.image.name", "singleuser.image.tag", "singleuser.image.pullPolicy",
    "singleuser.memory", "singleuser.memory.limit", "singleuser.memory.guarantee",
    "singleuser.cpu", "singleuser.cpu.limit", "singleuser.cpu.guarantee",
    "singleuser.extraEnv", "singleuser.lifecycleHooks", "singleuser.defaultUrl", "singleuser.cmd",
    "singleuser.uid", "singleuser.fsGid", "singleuser.startTimeout", "singleuser.extraPodConfig",
    "singleuser.storage", "singleuser.storage.type", "singleuser.storage.capacity", "singleuser.storage.homeMountPath",
    "singleuser.storage.dynamic", "singleuser.storage.dynamic.storageClass",
    "singleuser.networkPolicy", "singleuser.networkPolicy.enabled", "singleuser.networkPolicy.ingress",
    "singleuser.networkPolicy.egress", "singleuser.networkPolicy.allowedIngressPorts",
    "singleuser.networkPolicy.egressAllowRules",
    *(f"singleuser.networkPolicy.egressAllowRules.{rule}" for rule in (
        "cloudMetadataServer", "dnsPortsCloudMetadataServer", "dnsPortsKubeSystemNamespace", "dnsPortsPrivateIPs",
        "nonPrivateIPs", "privateIPs")),
    "prePuller", "prePuller.hook", "prePuller.hook.enabled", "prePuller.continuous", "prePuller.continuous.enabled",
    "cull", "cull.enabled", "cull.users", "cull.adminUsers", "cull.removeNamedServers", "cull.timeout", "cull.every",
    "cull.concurrency", "cull.maxAge",
}
# Maps whose keys are the user's own (config sections, snippet names, file and variable names, k8s objects).
FREE_FORM = {"hub.config", "hub.extraConfig", "hub.extraEnv", "singleuser.extraEnv", "singleuser.lifecycleHooks",
             "singleuser.extraPodConfig"}
# An entry of hub.extraFiles (the chart's _helpers.tpl checks mountPath and exactly one content field).
EXTRA_FILE_FIELDS = {"mountPath", "mode", "stringData", "binaryData", "data"}
SET_FILE = re.compile(r"--set-file hub\.extraFiles\.([\w.-]+)\.stringData=(\S+)")
ROSTER_KEY = "flywheel-roster"


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def key_paths(mapping: dict, prefix: str = "") -> list[str]:
    """Every key of a nested mapping as a dotted path, stopping below FREE_FORM maps and extraFiles entries."""
    paths = []
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, dict) and path not in FREE_FORM and prefix != "hub.extraFiles.":
            paths += key_paths(value, f"{path}.")
    return paths


def test_values_set_only_the_charts_keys(values):
    paths = key_paths(values)
    unknown = [path for path in paths if path not in CHART_KEYS and path.rsplit(".", 1)[0] not in FREE_FORM
               and not path.startswith("hub.extraFiles.")]
    assert not unknown, f"not keys of z2jh chart 4.1.0: {unknown}"
    for name, entry in values["hub"]["extraFiles"].items():
        assert set(entry) <= EXTRA_FILE_FIELDS and "mountPath" in entry, f"hub.extraFiles.{name}: {sorted(entry)}"


def test_the_check_catches_a_key_the_chart_does_not_have(values):
    mistyped = {**values, "singleuser": {**values["singleuser"], "memory": {"limits": "3G"}}}
    assert "singleuser.memory.limits" in key_paths(mistyped)
    assert "singleuser.memory.limits" not in CHART_KEYS


def test_limits_are_make_classroom_defaults(values):
    learner = values["singleuser"]
    memory = ByteSpecification()  # how KubeSpawner (JupyterHub) reads "3G": binary units, as the kit does
    assert memory.validate(None, learner["memory"]["limit"]) == hub.parse_memory(hub.DEFAULT_MEMORY)
    assert float(learner["cpu"]["limit"]) == hub.parse_cpus(hub.DEFAULT_CPUS)
    assert learner["extraEnv"]["FLYWHEEL_MAX_ENDPOINTS"] == str(hub.DEFAULT_MAX_ENDPOINTS)
    assert memory.validate(None, learner["memory"]["guarantee"]) <= memory.validate(None, learner["memory"]["limit"])
    assert float(learner["cpu"]["guarantee"]) <= float(learner["cpu"]["limit"])


def test_every_environment_value_is_a_string(values):
    # Kubernetes takes only strings as variables' values; YAML would make `2` a number
    assert all(isinstance(value, str) for value in values["singleuser"]["extraEnv"].values())


def test_the_store_is_on_the_learners_own_volume(values):
    storage = values["singleuser"]["storage"]
    assert storage["type"] == "dynamic"  # a volume per learner, never one shared by all
    home = Path(values["singleuser"]["extraEnv"]["FLYWHEEL_HOME"])
    assert home.is_relative_to(storage["homeMountPath"])


def test_first_page_pulls_the_labs_as_make_classroom_does(values):
    page = urlsplit(values["singleuser"]["defaultUrl"])
    local = urlsplit(hub.pull_url(hub.Room(roster="roster.txt", state="/srv/state")))
    assert page.path == local.path == "/git-pull"
    ours, theirs = parse_qs(page.query), parse_qs(local.query)
    assert urlsplit(ours.pop("repo")[0]).scheme == "https"  # pods cannot see the hub machine's file:// repository
    theirs.pop("repo")
    assert ours == theirs


def test_learner_commands_act_on_the_learners_pulled_copy_of_the_labs(values):
    learner = values["singleuser"]
    pulled_into = parse_qs(urlsplit(learner["defaultUrl"]).query)["targetpath"][0]
    assert pulled_into == hub.LABS_FOLDER
    assert learner["extraEnv"][reset_lab.LABS_ENV] == str(Path(learner["storage"]["homeMountPath"]) / pulled_into)
    # as the hub's learner servers: reset-lab's backups are in a hidden folder JupyterLab must open
    assert reset_lab.ALLOW_HIDDEN in values["hub"]["config"]["KubeSpawner"]["args"]


def test_learner_pods_accept_only_the_hub_and_proxy_and_reach_no_private_address(values):
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    assert policy["egressAllowRules"]["privateIPs"] is False
    assert policy["egressAllowRules"]["cloudMetadataServer"] is False
    assert not policy.get("ingress") and not policy.get("allowedIngressPorts")


def test_no_secret_is_written_in_the_values(values):
    suspicious = re.compile(r"password|secret|token|code", re.IGNORECASE)
    named = [path for path in key_paths(values) if suspicious.search(path.rsplit(".", 1)[-1])]
    assert not named, f"secrets go in with --set / --set-file, not in {VALUES.name}: {named}"


def mounted_files(values: dict) -> dict[str, tuple[str, str]]:
    """hub.extraFiles key -> (mountPath, the file the guide's install command fills it from)."""
    sources = dict(SET_FILE.findall(GUIDE.read_text(encoding="utf-8")))
    entries = values["hub"]["extraFiles"]
    assert set(sources) == set(entries), "kubernetes.md's install command must --set-file every hub.extraFiles entry"
    return {key: (entry["mountPath"], sources[key]) for key, entry in entries.items()}


def test_the_install_command_mounts_kit_files_that_exist(values):
    for key, (_, source) in mounted_files(values).items():
        if key != ROSTER_KEY:
            assert (ROOT / source).is_file(), f"hub.extraFiles.{key} is filled from {source}, which is not in the kit"


def test_the_hub_logs_learners_in_with_only_the_mounted_files(values, tmp_path):
    """The hub's extraConfig, run as z2jh runs it (exec with a traitlets config `c`) in a Python that
    sees the mounted files instead of the kit, sets the roster authenticator, its allowed users and admins.
    The roster is mounted group-readable, as Kubernetes mounts a Secret's files for the pod's fsGroup."""
    files = mounted_files(values)
    mount = os.path.commonpath([path for path, _ in files.values()])
    stand_in = tmp_path / "mounted"
    roster = [hub_auth.Entry("ana", hub_auth.new_code()), hub_auth.Entry("ben", hub_auth.new_code()), hub_auth.Entry("lee", hub_auth.new_code(), True)]
    for key, (path, source) in files.items():
        target = stand_in / Path(path).relative_to(mount)
        target.parent.mkdir(parents=True, exist_ok=True)
        if key == ROSTER_KEY:
            hub.write_roster(target, roster)
            target.chmod(0o640)
        else:
            shutil.copy(ROOT / source, target)
    snippets = "\n".join(values["hub"]["extraConfig"].values()).replace(mount, str(stand_in))
    probe = f"""
import json, os, stat, sys
from traitlets.config import Config
c = Config()
exec({snippets!r})
authenticator = c.JupyterHub.authenticator_class
print(json.dumps({{"class": f"{{authenticator.__module__}}.{{authenticator.__name__}}",
    "module_file": sys.modules[authenticator.__module__].__file__,
    "allowed": sorted(c.Authenticator.allowed_users), "admins": sorted(c.Authenticator.admin_users),
    "existing_users_allowed": c.Authenticator.allow_existing_users,
    "roster_mode": stat.S_IMODE(os.stat(c.RosterAuthenticator.roster_file).st_mode),
    "roster_copy": c.RosterAuthenticator.roster_file}}))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["class"] == values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    assert seen["class"].endswith(".RosterAuthenticator")
    assert Path(seen["module_file"]).is_relative_to(stand_in), "the hub must not need the kit installed"
    assert seen["allowed"] == ["ana", "ben", "lee"] and seen["admins"] == ["lee"]
    assert seen["existing_users_allowed"] is False  # JupyterHub 5+ would let anyone still in its database in
    assert seen["roster_mode"] == stat.S_IRUSR | stat.S_IWUSR
    assert Path(seen["roster_copy"]).is_relative_to(tmp_path)
