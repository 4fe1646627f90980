"""Small SDK gaps the ports met (issue 21): bytes bodies for S3 uploads, requirements the venv does not meet."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

from helpers.platform import ModelTrainer, Session, SourceCode, image_uris, storage
from helpers.platform.errors import IgnoredArgumentWarning


# ------------------------------------------------------------------ Session.upload_string_as_file_body

@pytest.mark.parametrize("body, stored", [("naïve,1\n", "naïve,1\n".encode()), (b"\x00\xffbinary", b"\x00\xffbinary"),
                                          (bytearray(b"ab"), b"ab"), (io.BytesIO(b"from a file"), b"from a file")])
def test_upload_string_as_file_body_takes_what_boto3_body_takes(flywheel_home, body, stored):
    """The SDK passes ``body`` to boto3's ``put(Body=...)``: str, bytes and binary files all upload."""
    uri = Session().upload_string_as_file_body(body, "bucket", "dir/key.bin")
    assert uri == "s3://bucket/dir/key.bin"
    assert storage.get_bytes(uri) == stored


def test_upload_string_as_file_body_refuses_other_types_by_name(flywheel_home):
    with pytest.raises(TypeError, match="body is a int: give str, bytes or a file opened in binary mode"):
        Session().upload_string_as_file_body(3, "bucket", "key")
    assert storage.list_prefix("s3://bucket/") == []


# ------------------------------------------------------------------ SourceCode(requirements=...)

def trainer_with(tmp_path, requirements: str) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text("print('hi')\n")
    (source / "requirements.txt").write_text(requirements)
    ModelTrainer(training_image=image_uris.retrieve("sklearn", "us-east-1", version="1.2-1"),
                 source_code=SourceCode(source_dir=str(source), entry_script="train.py", requirements="requirements.txt"))


def test_a_requirement_the_venv_does_not_meet_warns_with_both_versions(flywheel_home, tmp_path):
    with pytest.warns(IgnoredArgumentWarning) as caught:
        trainer_with(tmp_path, "# pinned by the example\nnumpy<1.0  # old\nflywheel-no-such-package==1.2\n")
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert f"'numpy<1.0' but this environment has numpy {np.__version__}" in messages[0]
    assert "pip install 'numpy<1.0'" in messages[0]
    assert "'flywheel-no-such-package==1.2' but flywheel-no-such-package is not installed here" in messages[1]


def test_requirements_the_venv_meets_or_cannot_be_compared_stay_quiet(flywheel_home, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IgnoredArgumentWarning)
        trainer_with(tmp_path, f"numpy=={np.__version__}\n-r other.txt\n--index-url https://example.invalid\n"
                               "git+https://example.invalid/x.git\nnumpy<1.0; python_version < '3.0'\n\n")
