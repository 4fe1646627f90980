"""Data capture in a child process: what the server hands over is written, synced, and never lost to a signal."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from helpers.platform.serving.capture import CaptureProcess, CaptureSettings, capture_files, read_records

WHEN = 1_800_000_000.25  # 2027-01-15T08:00:00Z


def _records(count: int, variant: str = "AllTraffic") -> list[tuple]:
    return [(WHEN + i, variant, "text/csv", b"%d,1" % i, "application/json", b'{"p": [%d]}' % i, f"id-{i}", None)
            for i in range(count)]


@pytest.fixture
def capture(tmp_path):
    process = CaptureProcess(CaptureSettings(tmp_path), "ep")
    yield process
    process.close()


def test_what_is_handed_over_is_written_in_order_and_sync_waits_for_it(tmp_path, capture):
    records = _records(300)
    assert capture.write(records[:256]) == 256
    assert capture.write(records[256:]) == 44
    assert capture.sync() == 300  # on disk once sync returns
    written = list(read_records(capture_files(tmp_path, "ep", "AllTraffic")))
    assert [r["captureData"]["endpointInput"]["data"] for r in written] == [f"{i},1" for i in range(300)]
    assert written[0]["captureData"]["endpointOutput"]["data"] == '{"p": [0]}'
    # the time is the server's, when it answered, not when the child wrote
    assert written[0]["eventMetadata"]["inferenceTime"] == "2027-01-15T08:00:00Z"
    assert written[7]["eventMetadata"]["inferenceId"] == "id-7"
    assert capture.sync() == 0  # nothing new since


def test_the_last_batch_is_written_even_when_the_child_got_sigterm(tmp_path):
    capture = CaptureProcess(CaptureSettings(tmp_path), "ep")
    capture.write(_records(10))
    capture.sync()  # the child is up (and ignores SIGTERM from here on)
    capture.write(_records(5, "B"))
    os.kill(capture.process.pid, signal.SIGTERM)  # as `pkill python` would: ignored
    capture.close()  # closing the pipe is what ends it, after its last batch
    assert capture.process.returncode == 0
    assert len(list(read_records(capture_files(tmp_path, "ep")))) == 15


def test_a_killed_child_makes_the_server_capture_itself_and_nothing_new_is_lost(tmp_path, capture, caplog):
    capture.write(_records(5))
    assert capture.sync() == 5
    capture.process.kill()
    capture.process.wait()
    with caplog.at_level(logging.WARNING, logger="flywheel.endpoint"):
        assert capture.write(_records(3, "B")) == 3
    assert "capturing in the server from now on" in caplog.text
    assert capture.sync() == 3
    assert len(list(read_records(capture_files(tmp_path, "ep", "B")))) == 3
    assert len(list(read_records(capture_files(tmp_path, "ep")))) == 8


def test_the_child_exits_when_its_server_is_killed(tmp_path):
    # a server killed with SIGKILL cannot close anything: the pipe closing is the child's signal to go
    code = (f"import os, signal, sys; from pathlib import Path; "
            f"from helpers.platform.serving.capture import CaptureProcess, CaptureSettings; "
            f"c = CaptureProcess(CaptureSettings(Path({str(tmp_path)!r})), 'ep'); "
            f"c.write({_records(4)!r}); c.sync(); print(c.process.pid, flush=True); "
            f"os.kill(os.getpid(), signal.SIGKILL)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the capture process outlived its server"
        time.sleep(0.05)
    assert len(list(read_records(capture_files(tmp_path, "ep")))) == 4


def test_the_settings_reach_the_child(tmp_path):
    capture = CaptureProcess(CaptureSettings(tmp_path, capture_output=False), "ep")
    capture.write(_records(2))
    capture.sync()
    capture.close()
    written = list(read_records(capture_files(tmp_path, "ep")))
    assert [sorted(r["captureData"]) for r in written] == [["endpointInput"]] * 2
    assert json.loads(json.dumps(written))  # plain JSON lines


# ------------------------------------------------------------------------------- the volume cap
def _bytes_captured(folder) -> int:
    return sum(path.stat().st_size for path in capture_files(folder, "ep"))


def test_capture_stops_at_its_cap_and_says_so_once(tmp_path, caplog):
    from helpers.platform.serving.capture import CaptureWriter

    probe = CaptureWriter(CaptureSettings(tmp_path / "probe"), "ep")
    probe.write(_records(1))
    probe.close()
    line = _bytes_captured(tmp_path / "probe")  # one record (the records below are as long)
    cap = 10 * line + line // 2  # room for ten records and a half
    writer = CaptureWriter(CaptureSettings(tmp_path, max_bytes=cap), "ep")
    with caplog.at_level(logging.WARNING, logger="flywheel.endpoint"):
        written = [writer.write(_records(4)) for _ in range(5)]
    writer.close()
    assert written == [4, 4, 2, 0, 0]  # the batch that reaches the cap writes the records that fit
    assert _bytes_captured(tmp_path) <= cap
    assert len(list(read_records(capture_files(tmp_path, "ep")))) == 10
    warnings = [r for r in caplog.records if "reached its cap" in r.getMessage()]
    assert len(warnings) == 1
    assert f"cap of {cap} bytes" in warnings[0].getMessage() and "FLYWHEEL_CAPTURE_MAX_BYTES" in warnings[0].getMessage()


def test_the_cap_counts_what_earlier_deploys_captured(tmp_path):
    from helpers.platform.serving.capture import CaptureWriter

    first = CaptureWriter(CaptureSettings(tmp_path), "ep")
    first.write(_records(20))
    first.close()
    on_disk = _bytes_captured(tmp_path)
    again = CaptureWriter(CaptureSettings(tmp_path, max_bytes=on_disk + 10), "ep")  # less than one more record
    assert again.write(_records(3)) == 0
    again.close()
    assert _bytes_captured(tmp_path) == on_disk


def test_the_capture_child_keeps_the_cap_and_logs_once(tmp_path, capfd):
    capture = CaptureProcess(CaptureSettings(tmp_path, max_bytes=2000), "ep")
    for _ in range(10):
        capture.write(_records(20))
    capture.sync()
    capture.close()
    assert 0 < _bytes_captured(tmp_path) <= 2000
    assert capfd.readouterr().err.count("reached its cap of 2000 bytes") == 1


def test_the_cap_comes_from_the_environment_and_a_bad_value_is_named(tmp_path, monkeypatch):
    from helpers.platform.serving import capture

    assert CaptureSettings(tmp_path).max_bytes == capture.DEFAULT_MAX_BYTES == 100 * 1024 * 1024
    monkeypatch.setenv("FLYWHEEL_CAPTURE_MAX_BYTES", "5000")
    settings = CaptureSettings(tmp_path)
    assert settings.max_bytes == 5000
    assert CaptureSettings.from_dict(settings.to_dict()).max_bytes == 5000  # what the server hands its child
    monkeypatch.setenv("FLYWHEEL_CAPTURE_MAX_BYTES", "100MB")
    with pytest.raises(ValueError, match=r"FLYWHEEL_CAPTURE_MAX_BYTES='100MB' is not a whole number of bytes"):
        CaptureSettings(tmp_path)


def test_capture_files_and_folders_are_owner_only(tmp_path):
    import stat

    capture = CaptureProcess(CaptureSettings(tmp_path / "dest"), "ep")
    capture.write(_records(3))
    capture.sync()
    capture.close()
    paths = [tmp_path / "dest", *(tmp_path / "dest").rglob("*")]
    assert len(paths) > 5
    assert {oct(stat.S_IMODE(p.stat().st_mode) & 0o077) for p in paths if p != tmp_path / "dest"} == {"0o0"}
