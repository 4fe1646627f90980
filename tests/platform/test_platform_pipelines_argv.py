"""A processing step's script runs with no pipeline or step name on its command line (issue 23: in a
classroom every learner reads every process's command line), yet sees the argv SageMaker gives it.

Its job folder, ``<store>/pipelines/<pipeline>/executions/<id>/steps/<step>/``, names the pipeline and the
step, and so do the script's arguments mapped there (``--input-dir /opt/ml/processing/input``); the kit
passes both in the script's environment (:mod:`helpers.platform.pipelines.launcher`). A sampler reads the
command lines of every process the test starts while the script runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers.platform import Session, storage
from helpers.platform.pipelines import Pipeline, ProcessingInput, ProcessingOutput, ProcessingStep, launcher
from helpers.platform.serving import processes
from process_support import WAIT_FOR_RELEASE, Sampler

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc (Linux)")

PIPELINE = "zq-pipeline-name"
STEP = "ZqStepName"
# Waits until the sampler has read its command line, then writes what it was given.
SCRIPT = WAIT_FOR_RELEASE + '''import json
seen = {"argv": sys.argv, "name": __name__, "path0": sys.path[0], "env": os.environ.get("FLYWHEEL_PROCESS_ARGS"),
        "rows": open(os.path.join(sys.argv[2], "raw.csv")).read()}
json.dump(seen, open("/opt/ml/processing/seen/seen.json", "w"))
'''


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """One execution of a one-step pipeline with the sampler on: (sampler, the store, what the script saw,
    the execution's record)."""
    folder = tmp_path_factory.mktemp("pipeline-argv")
    home = folder / "home"
    home.mkdir()
    (folder / "raw.csv").write_text("1,2\n")
    (folder / "zq_script.py").write_text(SCRIPT)
    release = folder / "release"
    with pytest.MonkeyPatch.context() as patch, Sampler() as sampler:
        patch.setenv("FLYWHEEL_HOME", str(home))
        patch.setenv("RELEASE", str(release))
        raw = Session(region="us-east-1").upload_data(folder / "raw.csv", key_prefix="argv/raw")
        step = ProcessingStep(
            STEP, code=str(folder / "zq_script.py"),
            inputs=[ProcessingInput(source=raw, destination="/opt/ml/processing/input")],
            outputs=[ProcessingOutput(output_name="seen", source="/opt/ml/processing/seen")],
            job_arguments=["--input-dir", "/opt/ml/processing/input", "--zq-flag", "zq value"])
        pipeline = Pipeline(PIPELINE, steps=[step])
        pipeline.upsert()
        # the script waits for this: its command line is read while it runs (the launcher's, or the script's own)
        releaser = threading.Thread(target=lambda: processes.wait_until(
            lambda: sampler.saw("pipelines/launcher.py") or sampler.saw("zq_script.py"), 20)
            and release.write_text("go"), daemon=True)
        releaser.start()
        execution = pipeline.start(log=None)
        releaser.join()
        record = execution.describe()
        assert record["PipelineExecutionStatus"] == "Succeeded", record
        uri = execution.result(STEP)["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
        seen = json.loads(storage.s3_to_path(uri + "/seen.json").read_text())
    yield sampler, home, seen, record


def test_no_pipeline_step_or_store_on_a_command_line(ran):
    sampler, home, _, record = ran
    execution_id = record["PipelineExecutionArn"].rsplit("/", 1)[1]
    secrets = [PIPELINE, STEP, str(home), execution_id, "zq_script", "zq value"]
    leaks = [(pid, cmdline) for pid, (cmdline, threads) in sampler.seen.items()
             if any(secret in text for secret in secrets for text in (cmdline, *threads))]
    assert leaks == []
    assert sampler.saw("pipelines/launcher.py")  # the script's process was read


def test_the_script_sees_the_argv_python_script_gives_it(ran):
    _, home, seen, _ = ran
    job = next((home / "pipelines" / PIPELINE / "executions").glob(f"*/steps/{STEP}"))
    code = job / "opt/ml/processing/input/code"
    # SageMaker: python3 /opt/ml/processing/input/code/<script> <ContainerArguments>, /opt/ml/processing
    # mapped to the job's folder (the local contract)
    assert seen["argv"] == [str(code / "zq_script.py"), "--input-dir", str(job / "opt/ml/processing/input"),
                            "--zq-flag", "zq value"]
    assert (seen["name"], seen["path0"], seen["env"]) == ("__main__", str(code), None)
    assert seen["rows"] == "1,2\n"


def run_launched(tmp_path, source: str) -> subprocess.CompletedProcess:
    script = tmp_path / "s.py"
    script.write_text(source)
    line, env = launcher.command(str(script), ["--a", "1"])
    return subprocess.run(line, env=env, capture_output=True, text=True, cwd=tmp_path)


def test_a_failing_script_exits_and_reports_as_python_script_would(tmp_path):
    source = "import sys\ndef f():\n    raise ValueError('boom')\nif sys.argv[1:] == ['--a', '1']:\n    f()\n"
    launched = run_launched(tmp_path, source)
    direct = subprocess.run([sys.executable, str(tmp_path / "s.py"), "--a", "1"], capture_output=True, text=True)
    assert (launched.returncode, launched.stderr) == (direct.returncode, direct.stderr) == (1, direct.stderr)
    assert direct.stderr.startswith("Traceback") and direct.stderr.endswith("ValueError: boom\n")
    broken = run_launched(tmp_path, "if True\n    pass\n")
    direct = subprocess.run([sys.executable, str(tmp_path / "s.py")], capture_output=True, text=True)
    assert (broken.returncode, broken.stderr) == (1, direct.stderr)  # where the syntax breaks, no traceback
    assert run_launched(tmp_path, "import sys\nsys.exit(3)\n").returncode == 3


def test_the_launcher_run_by_hand_says_what_it_needs():
    done = subprocess.run([sys.executable, "-P", launcher.__file__], capture_output=True, text=True, env={})
    assert done.returncode == 1 and f"from {launcher.ARGS_ENV} (a JSON list), which is not set" in done.stderr


def test_the_launcher_reads_the_variable_every_kit_process_reads():
    assert launcher.ARGS_ENV == processes.ARGS_ENV
