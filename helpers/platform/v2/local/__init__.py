"""SDK v2's local mode path, ``sagemaker.local.LocalSession``: on the kit every job and endpoint is local
already, so a local-mode notebook (``instance_type="local"``, ``"file://"`` inputs) runs unchanged; the
instance type is recorded as given."""

from __future__ import annotations

from helpers.platform.v2.session import Session


class LocalSession(Session):
    """``sagemaker.local.LocalSession`` (SDK v2): the v2 ``Session``; ``config`` (``{"local": {"local_code":
    True}}``) is kept for the notebook's own use: the kit always runs your code from its folder."""

    def __init__(self, boto_session=None, default_bucket: str | None = None, s3_endpoint_url: str | None = None,
                 disable_local_code: bool = False, sagemaker_config: dict | None = None,
                 default_bucket_prefix: str | None = None):
        from helpers.platform.errors import warn_ignored

        warn_ignored("LocalSession", [n for n, v in (("s3_endpoint_url", s3_endpoint_url),
                                                     ("disable_local_code", disable_local_code)) if v],
                     "the kit's local store and code paths are fixed")
        super().__init__(boto_session=boto_session, default_bucket=default_bucket, sagemaker_config=sagemaker_config,
                         default_bucket_prefix=default_bucket_prefix)
        self.config = {"local": {"local_code": True}}


__all__ = ["LocalSession"]
