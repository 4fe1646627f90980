"""Batch transform: run a model over every file under an S3 prefix, as a SageMaker transform job does.

::

    transformer = Transformer(model_name=model.model_name, instance_count=1, instance_type="ml.m5.large",
                              strategy="MultiRecord", assemble_with="Line",
                              output_path="s3://bucket/churn/batch-out", accept="text/csv")
    transformer.transform("s3://bucket/churn/batch-in", content_type="text/csv", split_type="Line",
                          input_filter="$[1:]", join_source="Input")   # optional: drop the label, keep inputs

For each input object ``<prefix>/<relative key>`` the job writes ``<output_path>/<relative key>.out``.
With ``split_type="Line"`` each line is a record; ``MultiRecord`` packs as many records per request as
fit in ``max_payload`` MB (default 6), ``SingleRecord`` sends one record per request. Requests go to
a temporary server of the model (the same container code as an endpoint), up to
``max_concurrent_transforms`` at a time; ``assemble_with="Line"`` joins the answers line by line.

With ``split_type="RecordIO"`` (RecordIO-protobuf files, e.g. written by
``helpers.platform.recordio.write_numpy_to_dense_tensor``) each RecordIO record is a record: it is sent
whole, framing included, as SageMaker does, with Content-Type ``application/x-recordio-protobuf``
unless ``content_type`` says otherwise. ``assemble_with="None"`` concatenates the answers as they came
(protobuf answers, ``accept="application/x-recordio-protobuf"``, then read back with ``read_records``);
``"Line"`` puts a newline after each answer (for JSON or CSV answers). ``split_type="Line"`` on a
RecordIO file is refused: it would cut binary records at newline bytes.

``input_filter`` / ``output_filter`` accept the CSV forms of SageMaker's JSONPath filters (``"$"``,
``"$[1:]"``, ``"$[0,2,5]"``, ``"$[-1]"``); ``join_source="Input"`` puts each original input record
(before ``input_filter``) in front of its prediction on the same line, and ``output_filter`` then
picks columns of that joined line — e.g. ``"$[1:]"`` / ``"Input"`` / ``"$[0,-1]"`` keeps an id and
the prediction.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers.algorithms import recordio
from helpers.platform.serving import ports, processes
from helpers.platform.serving.errors import MAX_PAYLOAD_BYTES
from helpers.platform.serving.registry import arn, check_name, now_iso, read_json, store_root, write_json
from helpers.platform.serving.resources import Model
from helpers.platform_home import private_dir, transform_jobs_root

_FILTER = re.compile(r"^\$(\[(-?\d*):(-?\d*)\]|\[(-?\d+(?:\s*,\s*-?\d+)*)\])?$")


class TransformError(RuntimeError):
    """The transform job failed; ``description`` is its DescribeTransformJob record."""

    def __init__(self, message: str, description: dict):
        super().__init__(message)
        self.description = description


def _csv_filter(expression: str | None):
    """A CSV column selector for a JSONPath filter (``$[1:]``, ``$[0,3]``...), or None for ``$``."""
    if expression in (None, "", "$"):
        return None
    match = _FILTER.match(expression.replace(" ", ""))
    if not match:
        raise ValueError(f"filter {expression!r} is not supported locally: use '$', '$[start:stop]' or "
                         f"'$[i,j,...]' (CSV columns, 0-based), e.g. input_filter='$[1:]' to drop a first label column.")
    if match.group(2) is not None or match.group(3) is not None:
        start = int(match.group(2)) if match.group(2) else None
        stop = int(match.group(3)) if match.group(3) else None
        return lambda fields: fields[start:stop]
    indexes = [int(i) for i in match.group(4).split(",")]
    return lambda fields: [fields[i] for i in indexes]


def _apply(selector, record: bytes) -> bytes:
    if selector is None:
        return record
    return b",".join(selector(record.split(b",")))


@dataclass
class Transformer:
    """A batch transform over the records of S3 objects (SDK v3 ``sagemaker.core.transformer.Transformer``)."""

    # the SDK's order, so positional arguments mean the same
    model_name: str
    instance_count: int = 1
    instance_type: str = "ml.m5.large"
    strategy: str | None = None            # "MultiRecord" (default) or "SingleRecord"
    assemble_with: str | None = None       # "Line" or "None"
    output_path: str | None = None
    output_kms_key: str | None = None      # accepted with an IgnoredArgumentWarning (no encryption locally)
    accept: str | None = None
    max_concurrent_transforms: int | None = None
    max_payload: int | None = None         # MB per request (SageMaker default 6)
    tags: list | None = None
    env: dict | None = None
    base_transform_job_name: str | None = None
    sagemaker_session: object = None
    volume_kms_key: str | None = None      # accepted with an IgnoredArgumentWarning
    transform_ami_version: str | None = None  # accepted with an IgnoredArgumentWarning (no instance locally)
    latest_transform_job: str | None = None
    _default_output_path: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        from helpers.platform.errors import warn_ignored

        warn_ignored("Transformer", [n for n in ("output_kms_key", "volume_kms_key", "transform_ami_version")
                                     if getattr(self, n) is not None], "a local batch job runs on no instance")

    def transform(self, data: str, data_type: str = "S3Prefix", content_type: str | None = None,
                  compression_type: str | None = None, split_type: str | None = None,
                  job_name: str | None = None, input_filter: str | None = None,
                  output_filter: str | None = None, join_source: str | None = None,
                  model_client_config: dict | None = None, wait: bool = True, logs: bool = True,
                  **sdk_options) -> dict:
        """Run the job to completion (locally it always waits); return DescribeTransformJob.

        ``model_client_config={"InvocationsTimeoutInSeconds": 600}`` bounds each request (SageMaker's
        default 600 s, at most 3600 s). The SDK's ``experiment_config`` and ``batch_data_capture_config``
        are accepted with an IgnoredArgumentWarning.
        """
        from helpers.platform.errors import warn_ignored

        warn_ignored("Transformer.transform", [k for k, v in sdk_options.items() if v is not None],
                     "local batch jobs record no experiment and capture no data")
        from helpers.platform import storage

        strategy = self.strategy or "MultiRecord"
        assemble = self.assemble_with or "None"
        split = split_type or "None"
        checks = [("strategy", strategy, ("MultiRecord", "SingleRecord")), ("assemble_with", assemble, ("Line", "None")),
                  ("split_type", split, ("Line", "RecordIO", "None")), ("data_type", data_type, ("S3Prefix",)),
                  ("join_source", join_source or "None", ("Input", "None")),
                  ("compression_type", compression_type or "None", ("None",))]
        for what, value, allowed in checks:
            if value not in allowed:
                raise ValueError(f"{what}={value!r} is not supported locally: use one of {', '.join(allowed)}.")
        if split == "RecordIO":
            content_type = content_type or recordio.CONTENT_TYPE
        _check_split(split, content_type, assemble, self.accept)
        in_select, out_select = _csv_filter(input_filter), _csv_filter(output_filter)
        if (in_select or out_select or join_source) and split != "Line":
            raise ValueError("input_filter, output_filter and join_source need split_type='Line' (records are lines).")
        payload_limit = int((self.max_payload or 6) * 1024 * 1024)
        if payload_limit > MAX_PAYLOAD_BYTES * 16:
            raise ValueError(f"max_payload={self.max_payload} MB is above SageMaker's 100 MB limit.")
        model = Model.get(self.model_name)
        timeout = float((model_client_config or {}).get("InvocationsTimeoutInSeconds", 600))
        if not 1 <= timeout <= 3600:
            raise ValueError(f"InvocationsTimeoutInSeconds={timeout:g}: give 1 to 3600 seconds.")
        inputs = storage.channel_files(data)
        if not inputs:
            raise FileNotFoundError(f"no objects under {data}: upload the files to transform first.")

        base = self.base_transform_job_name or self.model_name
        stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime()) + f"-{int(time.time() * 1000) % 1000:03d}"
        job_name = check_name(job_name or f"{base[:63 - len(stamp) - 1]}-{stamp}", "transform job")
        output_path = self.output_path
        if output_path is None or self._default_output_path:
            # the SDK's default: the session's bucket, under the job name; kept in output_path as the
            # SDK does, and chosen afresh for the next job (so a second run does not overwrite the first)
            from helpers.platform.session import Session

            output_path = f"s3://{(self.sagemaker_session or Session()).default_bucket()}/{job_name}"
            self._default_output_path = True
        storage.parse_s3_uri(output_path)
        self.output_path = output_path
        folder = transform_jobs_root() / job_name
        if (folder / "job.json").exists():
            raise ValueError(f"a transform job named {job_name!r} exists already: pick another job_name.")
        private_dir(folder)
        concurrency = max(1, int(self.max_concurrent_transforms or 1))
        description = {
            "TransformJobName": job_name, "TransformJobArn": arn("transform-job", job_name),
            "TransformJobStatus": "InProgress", "ModelName": self.model_name,
            "MaxConcurrentTransforms": concurrency, "MaxPayloadInMB": payload_limit // (1024 * 1024),
            "BatchStrategy": strategy,
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": data_type, "S3Uri": data}},
                               "ContentType": content_type, "CompressionType": "None", "SplitType": split},
            "TransformOutput": {"S3OutputPath": output_path, "Accept": self.accept, "AssembleWith": assemble},
            "TransformResources": {"InstanceType": self.instance_type, "InstanceCount": self.instance_count},
            "DataProcessing": {"InputFilter": input_filter or "$", "OutputFilter": output_filter or "$",
                               "JoinSource": join_source or "None"},
            "CreationTime": now_iso(), "TransformStartTime": now_iso(),
        }
        write_json(folder / "job.json", description)
        self.latest_transform_job = job_name
        write_json(folder / "config.json", {
            "EndpointName": job_name, "InvocationTimeoutSeconds": timeout,
            "Variants": [{"VariantName": "AllTraffic", "InitialVariantWeight": 1.0, "Model": model.describe()}],
        })
        import os

        ref = processes.spawn("helpers.platform.serving.server", [str(folder), "--parent-pid", str(os.getpid())],
                              folder / "server.log",
                              # SAGEMAKER_BATCH: containers answer one line per record in batch transform
                              env={"FLYWHEEL_HOME": str(store_root()), "SAGEMAKER_BATCH": "true", **(self.env or {})})
        written = []
        try:
            port = self._wait_for_server(folder, ref)
            ports.check(port, ref.pid)  # the records are sent with the store's secret
            for object_uri, relative in inputs:
                originals = self._records(storage.get_bytes(object_uri), split, object_uri)
                records = [_apply(in_select, record) for record in originals]
                # a RecordIO record carries its own framing; a line needs its newline back
                separator = b"\n" if split == "Line" else b""
                batches = self._batches(records, strategy, payload_limit, object_uri, separator=len(separator))
                bodies = [separator.join(records[start:stop]) + separator for start, stop in batches]
                answers = self._send(port, bodies, content_type, concurrency, object_uri, timeout)
                out = self._assemble(originals, answers, assemble, join_source, out_select)
                target = f"{output_path.rstrip('/')}/{relative}.out"
                storage.put_bytes(target, out)
                written.append(target)
                if logs:
                    print(f"{job_name}: {relative}: {len(records)} record(s) in {len(batches)} request(s) -> {target}")
        except Exception as error:
            description.update(TransformJobStatus="Failed", FailureReason=str(error), TransformEndTime=now_iso())
            write_json(folder / "job.json", description)
            raise TransformError(f"transform job {job_name} failed: {error}", description) from None
        finally:
            processes.stop(ref)
            (folder / "config.json").unlink(missing_ok=True)
            shutil.rmtree(folder / "variants", ignore_errors=True)
        description.update(TransformJobStatus="Completed", TransformEndTime=now_iso(), TransformOutputFiles=written)
        write_json(folder / "job.json", description)
        return description

    def describe(self) -> dict:
        if not self.latest_transform_job:
            raise ValueError("no transform job yet: call transform(...) first.")
        return describe_transform_job(self.latest_transform_job)

    def wait(self, logs: bool = True) -> None:
        """Jobs run to completion inside ``transform`` locally; kept for the SDK's call shape."""

    # ------------------------------------------------------------------------------ the pieces
    @staticmethod
    def _wait_for_server(folder: Path, ref) -> int:
        def ready():
            return (folder / "server.json").exists() or (folder / "failure").exists() or not processes.is_alive(ref)

        processes.wait_until(ready, 300)
        if (folder / "failure").exists():
            raise RuntimeError(f"the model could not be loaded: {(folder / 'failure').read_text().strip()}")
        state = read_json(folder / "server.json")
        if not state:
            raise RuntimeError(f"the model server did not start; see {folder / 'server.log'}")
        return int(state["Port"])

    @staticmethod
    def _records(content: bytes, split: str, source: str = "the object") -> list[bytes]:
        """The records of one object: itself (``None``), its non-blank lines, or its RecordIO frames."""
        if split == "None":
            return [content]
        if split == "RecordIO":
            return _recordio_records(content, source)
        if recordio.is_recordio(content[:4]):
            raise ValueError(f"{source} is RecordIO-protobuf, and split_type='Line' would cut its binary records at "
                             f"newline bytes: pass split_type='RecordIO' (content_type='{recordio.CONTENT_TYPE}').")
        return [line for line in content.splitlines() if line.strip()]

    @staticmethod
    def _batches(records: list[bytes], strategy: str, limit: int, source: str,
                 separator: int = 1) -> list[tuple[int, int]]:
        """(start, stop) record ranges, each request body at most ``limit`` bytes, ``separator`` bytes
        (the newline of a line; 0 for a RecordIO record) after each record."""
        batches, start, size = [], 0, 0
        for index, record in enumerate(records):
            record_size = len(record) + separator
            if record_size > limit:
                raise ValueError(f"a record of {source} (record {index + 1}) is {record_size} bytes, over the "
                                 f"{limit}-byte max_payload: split it, or raise max_payload.")
            if strategy == "SingleRecord" or (index > start and size + record_size > limit):
                if index > start:
                    batches.append((start, index))
                start, size = index, 0
            size += record_size
        if records:
            batches.append((start, len(records)))
        return batches

    def _send(self, port: int, bodies: list[bytes], content_type, concurrency: int, source: str,
              timeout: float) -> list[bytes]:
        from helpers.platform.serving.access import auth_headers

        headers = {"Content-Type": content_type or "application/octet-stream", **auth_headers()}
        if self.accept:
            headers["Accept"] = self.accept

        def post(body: bytes) -> bytes:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout + 60)
            try:
                connection.request("POST", "/invocations", body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            finally:
                connection.close()
            if answer.status != 200:
                raise RuntimeError(f"ClientError: the model answered {answer.status} for {source}: "
                                   f"{data.decode('utf-8', 'replace')[:500]}")
            return data

        if concurrency == 1:
            return [post(body) for body in bodies]
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(post, bodies))

    @staticmethod
    def _assemble(records, answers, assemble, join_source, selector) -> bytes:
        if join_source == "Input" or selector is not None:
            lines = [line for answer in answers for line in answer.splitlines() if line.strip()]
            if len(lines) != len(records):
                raise ValueError(f"join_source/output_filter need one answer line per record: got {len(lines)} "
                                 f"lines for {len(records)} records (ask for CSV answers with accept='text/csv').")
            if join_source == "Input":
                lines = [record + b"," + line for record, line in zip(records, lines)]
            lines = [_apply(selector, line) for line in lines]
            return b"\n".join(lines) + b"\n"
        if assemble == "Line":
            return b"".join(answer if answer.endswith(b"\n") else answer + b"\n" for answer in answers)
        return b"".join(answers)


def _check_split(split: str, content_type: str | None, assemble: str, accept: str | None) -> None:
    """Refuse a split that would cut binary records; warn where SageMaker's output would not read back."""
    if split == "Line" and content_type in (recordio.CONTENT_TYPE, "application/x-recordio"):
        raise ValueError(f"content_type={content_type!r} with split_type='Line' would cut the binary records at "
                         f"newline bytes: pass split_type='RecordIO' to send whole RecordIO records.")
    if split == "RecordIO" and assemble == "Line" and accept == recordio.CONTENT_TYPE:
        import warnings

        warnings.warn("assemble_with='Line' puts a newline byte after each RecordIO-protobuf answer (SageMaker does "
                      "the same), so the .out files will not read back with read_records: use assemble_with='None' "
                      "to concatenate the answers into one RecordIO stream.", UserWarning, stacklevel=3)


def _recordio_records(content: bytes, source: str) -> list[bytes]:
    """Each RecordIO record of ``content`` as one whole frame (a record split in parts comes out joined)."""
    if not recordio.is_recordio(content[:4]):
        raise ValueError(f"{source} is not RecordIO (it does not start with the magic number 0xced7230a), but "
                         f"split_type='RecordIO': pass split_type='Line' for CSV or JSON Lines files, or write the "
                         f"file with helpers.platform.recordio.write_numpy_to_dense_tensor.")
    try:
        return [recordio.frame(payload) for payload in recordio.iter_payloads(content)]
    except recordio.RecordIOError as error:
        raise ValueError(f"{source}: {error}") from None


def describe_transform_job(job_name: str) -> dict:
    record = read_json(transform_jobs_root() / check_name(job_name, "transform job") / "job.json")
    if record is None:
        raise ValueError(f"Could not find transform job \"{job_name}\".")
    return record
