"""The local object store and Session: s3:// URIs on a folder, with S3's prefix rules."""

from __future__ import annotations

import pytest

from helpers.platform import Session, storage


def test_parse_s3_uri_splits_bucket_and_key():
    assert storage.parse_s3_uri("s3://my-bucket/a/b.csv") == ("my-bucket", "a/b.csv")
    assert storage.parse_s3_uri("s3://my-bucket") == ("my-bucket", "")


@pytest.mark.parametrize("uri, words", [
    ("/tmp/data.csv", "Not an S3 URI"),
    ("s3:/bucket/key", "Not an S3 URI"),
    ("s3://Bad_Bucket/key", "Invalid bucket name"),
    ("s3://bucket/a/../../etc", "'..'"),
])
def test_parse_s3_uri_rejects_bad_uris_with_the_fix(uri, words):
    with pytest.raises(ValueError) as info:
        storage.parse_s3_uri(uri)
    assert words in str(info.value)
    assert "s3://" in str(info.value)  # the message shows the expected form


def test_store_lives_under_flywheel_home(flywheel_home):
    path = storage.s3_to_path("s3://bucket-a/x/y.csv")
    assert path == flywheel_home / "s3" / "bucket-a" / "x" / "y.csv"
    path.parent.mkdir(parents=True)
    path.write_text("1\n")
    assert storage.path_to_s3(path) == "s3://bucket-a/x/y.csv"
    with pytest.raises(ValueError, match="not inside the local object store"):
        storage.path_to_s3(flywheel_home.parent)


def test_upload_file_and_folder_then_list_and_download(flywheel_home, tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.csv").write_text("1,2\n")
    (source / "sub" / "b.csv").write_text("3,4\n")
    assert storage.upload(source / "a.csv", "s3://bkt/single/") == "s3://bkt/single/a.csv"
    assert storage.upload(source, "s3://bkt/folder") == "s3://bkt/folder"
    assert storage.list_prefix("s3://bkt/folder") == ["s3://bkt/folder/a.csv", "s3://bkt/folder/sub/b.csv"]
    # S3 prefix semantics: "fold" matches keys beginning with it, "folder/sub" only the sub-folder.
    assert storage.list_prefix("s3://bkt/fold") == storage.list_prefix("s3://bkt/folder")
    assert storage.list_prefix("s3://bkt/folder/sub") == ["s3://bkt/folder/sub/b.csv"]
    assert storage.list_prefix("s3://bkt/nothing-here") == []
    out = storage.download("s3://bkt/folder", tmp_path / "out")
    assert (out / "sub" / "b.csv").read_text() == "3,4\n"
    assert storage.get_bytes("s3://bkt/single/a.csv") == b"1,2\n"


def test_channel_files_follow_sagemaker_layout(flywheel_home, tmp_path):
    for key in ("data/train/part-1.csv", "data/train/part-2.csv", "data/train.csv", "data/train_extra.csv"):
        storage.put_bytes(f"s3://bkt/{key}", b"1,2\n")
    assert storage.channel_files("s3://bkt/data/train/") == [
        ("s3://bkt/data/train/part-1.csv", "part-1.csv"), ("s3://bkt/data/train/part-2.csv", "part-2.csv")]
    assert storage.channel_files("s3://bkt/data/train.csv") == [("s3://bkt/data/train.csv", "train.csv")]
    relatives = sorted(rel for _, rel in storage.channel_files("s3://bkt/data/train"))
    assert relatives == ["part-1.csv", "part-2.csv", "train.csv", "train_extra.csv"]


def test_put_bytes_leaves_no_temporary_files(flywheel_home):
    storage.put_bytes("s3://bkt/k/one.txt", b"x")
    storage.put_bytes("s3://bkt/k/one.txt", b"y")
    files = sorted(p.name for p in (flywheel_home / "s3" / "bkt" / "k").iterdir())
    assert files == ["one.txt"]
    assert storage.get_bytes("s3://bkt/k/one.txt") == b"y"


def test_missing_object_error_says_what_to_do(flywheel_home):
    with pytest.raises(FileNotFoundError, match="list_prefix"):
        storage.get_bytes("s3://bkt/none.csv")


def test_session_upload_data_returns_the_sdk_shaped_uris(flywheel_home, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.csv").write_text("1\n")
    (tmp_path / "one.csv").write_text("2\n")
    session = Session()
    assert session.default_bucket() == "sagemaker-eu-west-1-000000000000"
    assert session.upload_data(tmp_path / "one.csv", key_prefix="p/q") == \
        "s3://sagemaker-eu-west-1-000000000000/p/q/one.csv"
    assert session.upload_data(tmp_path / "d", bucket="other-bucket", key_prefix="folder") == "s3://other-bucket/folder"
    assert session.list_s3_files("other-bucket", "folder") == ["folder/x.csv"]
    assert session.read_s3_file("sagemaker-eu-west-1-000000000000", "p/q/one.csv") == "2\n"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        session.upload_data(tmp_path / "missing.csv")


def test_session_default_bucket_prefix_applies_to_default_bucket_only(flywheel_home, tmp_path):
    (tmp_path / "f.csv").write_text("1\n")
    session = Session(region="us-west-2", default_bucket_prefix="team-a")
    assert session.upload_data(tmp_path / "f.csv", key_prefix="data") == \
        "s3://sagemaker-us-west-2-000000000000/team-a/data/f.csv"
    assert session.upload_data(tmp_path / "f.csv", bucket="mine", key_prefix="data") == "s3://mine/data/f.csv"


# ------------------------------------------------------------------------- an owner-only home
def _readable_by_others(home) -> list[str]:
    """Every file or folder under ``home`` (itself included) that group or others may read, write or enter."""
    import os
    import stat

    loose = []
    for folder, dirs, files in os.walk(home):
        for path in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
                loose.append(f"{oct(stat.S_IMODE(mode))} {os.path.relpath(path, home)}")
    return sorted(set(loose))


def test_ensure_home_creates_the_home_owner_only_and_tightens_a_loose_one_once(tmp_path, monkeypatch, capsys):
    import stat

    from helpers import platform_home

    fresh = tmp_path / "a" / "fresh-home"
    monkeypatch.setenv("FLYWHEEL_HOME", str(fresh))
    assert platform_home.ensure_home() == fresh
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert capsys.readouterr().err == ""  # a new home needs no notice

    loose = tmp_path / "old-home"
    loose.mkdir()
    loose.chmod(0o755)  # as an older kit (or mkdir under umask 022) left it
    monkeypatch.setenv("FLYWHEEL_HOME", str(loose))
    platform_home.ensure_home()
    platform_home.ensure_home()
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700
    notice = capsys.readouterr().err.strip().splitlines()
    assert len(notice) == 1 and "owner-only (700)" in notice[0] and str(loose) in notice[0]
    loose.chmod(0o777)  # yours, even if anyone could write in it: tightened too
    platform_home.ensure_home()
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_private_writers_make_0600_files_and_0700_folders(flywheel_home):
    from helpers import platform_home

    folder = platform_home.private_dir(flywheel_home / "x" / "y" / "z")
    platform_home.write_private_text(folder / "a.txt", "hi")
    with platform_home.open_private(folder / "b.log", "ab") as handle:
        handle.write(b"log\n")
    storage.put_bytes("s3://bkt/deep/er/object.csv", b"1\n")
    storage.upload(folder / "a.txt", "s3://bkt/up/")
    assert _readable_by_others(flywheel_home) == []


def test_a_training_job_deploy_and_capture_leave_nothing_readable_by_others(tmp_path, monkeypatch):
    """The whole path once, in a home that does not exist yet: every file and folder is the owner's only."""
    import numpy as np

    from helpers.platform import InputData, ModelTrainer, image_uris
    from helpers.platform.configs import SourceCode
    from helpers.platform.serving import DataCaptureConfig, ModelBuilder
    from helpers.platform.serving.model_builder import SKLEARN_IMAGE
    from helpers.platform.serving.registry import stop_all
    from serving_support import isolate, make_classification

    home = tmp_path / "fresh-home"
    isolate(monkeypatch, home)
    x, y = make_classification(120)
    np.savetxt(tmp_path / "train.csv", np.column_stack([y, x]), delimiter=",", fmt="%.6g")
    uri = Session().upload_data(str(tmp_path / "train.csv"), key_prefix="perm/train")
    image = image_uris.retrieve("linear-learner", "us-east-1")
    trainer = ModelTrainer(training_image=image, hyperparameters={
        "predictor_type": "binary_classifier", "feature_dim": 4, "epochs": 1})
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri, content_type="text/csv")], logs=False)
    artifact = trainer.latest_training_job.describe()["ModelArtifacts"]["S3ModelArtifacts"]
    # script mode copies the learner's folder (modes included) into the job
    source = tmp_path / "src"
    source.mkdir(mode=0o755)
    (source / "train.py").write_text("import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'm.txt'), 'w').write('1')\n")
    (source / "train.py").chmod(0o755)
    ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir=str(source), entry_script="train.py")
                 ).train(input_data_config=[InputData(channel_name="train", data_source=uri)], logs=False)
    try:
        endpoint = ModelBuilder(s3_model_data_url=artifact, image_uri=image).deploy(
            endpoint_name="perm-ep", data_capture_config=DataCaptureConfig(
                sampling_percentage=100, destination_s3_uri="s3://perm-bucket/capture"))
        endpoint.invoke(b"1,2,3,4", content_type="text/csv")
        assert endpoint.capture_files()  # flushed: capture's folders and file are checked below
        assert (home / "jobs").is_dir() and (home / "endpoints").is_dir() and (home / "s3" / "perm-bucket").is_dir()
        assert _readable_by_others(home) == []
    finally:
        stop_all()


def test_script_mode_a_local_archive_and_an_estimator_leave_nothing_readable_by_others(tmp_path, monkeypatch):
    """The other ways into the store: copied code folders and archives keep no group or other bits."""
    import tarfile

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from helpers.platform.configs import SourceCode
    from helpers.platform.serving import ModelBuilder
    from helpers.platform.serving.registry import stop_all
    from serving_support import isolate, write_script_model

    home = tmp_path / "fresh-home"
    isolate(monkeypatch, home)
    model_dir, code_dir = write_script_model(tmp_path / "script")
    (code_dir / "inference.py").chmod(0o755)  # as a learner's editor may leave it
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as tar:
        tar.add(model_dir / "weights.npy", arcname="weights.npy")
    (tmp_path / "model.tar.gz").chmod(0o644)
    code = SourceCode(source_dir=str(code_dir), entry_script="inference.py")
    try:
        endpoint = ModelBuilder(model_path=str(tmp_path / "model.tar.gz"), source_code=code).deploy(endpoint_name="tar-ep")
        endpoint.invoke(b"1,2,3,4", content_type="text/csv")
        fitted = LogisticRegression().fit(np.arange(40.0).reshape(20, 2), np.arange(20) % 2)
        ModelBuilder(model=fitted).deploy(endpoint_name="est-ep").invoke(b"1,2", content_type="text/csv")
        assert (home / "models").is_dir()
        assert _readable_by_others(home) == []
    finally:
        stop_all()


def test_a_shared_folder_is_refused_as_the_home_instead_of_being_locked(tmp_path, monkeypatch):
    import stat

    from helpers import platform_home

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp: tightening it would lock every other user out
    monkeypatch.setenv("FLYWHEEL_HOME", str(shared))
    with pytest.raises(PermissionError, match=r"is a shared folder \(mode 1777.*FLYWHEEL_HOME=.*shared/flywheel"):
        platform_home.ensure_home()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    monkeypatch.setenv("FLYWHEEL_HOME", str(shared / "flywheel"))
    assert stat.S_IMODE(platform_home.ensure_home().stat().st_mode) == 0o700  # the fix the message gives works
