"""Prunes the operator image's virtualenv of what `smpo run` never loads, then proves what is left loads.

The Dockerfile runs it with the image's own Python right after installing the operator, in the same
layer, so the pruned files never reach the image:

- botocore's data for every AWS service except BOTOCORE_SERVICES, the ones the operator calls
  (SageMaker; S3 for `definition.s3`; STS for namespace roles; SQS for event triggers);
- `kubernetes.aio`, the asyncio twin of the Kubernetes client, which nothing in the operator
  (or the rest of the client) imports.

Then every kept service model loads through botocore's loader and builds a client, and the
operator's runtime modules import. Any failure exits non-zero and fails the build, so a pruned
image either works or is not built. tests/unit/test_image_services.py keeps BOTOCORE_SERVICES
in step with the services the operator's code names.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from pathlib import Path

BOTOCORE_SERVICES = frozenset({"sagemaker", "s3", "sts", "sqs"})
UNUSED_PACKAGES = ("kubernetes.aio",)
# What `smpo run` imports: the kopf wiring pulls in every handler, the AWS adapter and the API.
RUNTIME_MODULES = ("sagemaker_pipelines_operator.runtime.operator", "sagemaker_pipelines_operator.cli.main")


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"slim: package {name} not found")
    return Path(next(iter(spec.submodule_search_locations)))


def prune_botocore_data() -> int:
    """Remove the data directories of services the operator never calls; returns bytes freed."""
    data = package_dir("botocore") / "data"
    missing = BOTOCORE_SERVICES - {p.name for p in data.iterdir() if p.is_dir()}
    if missing:
        raise SystemExit(f"slim: botocore has no data for {sorted(missing)}")
    freed = 0
    for service in data.iterdir():
        if service.is_dir() and service.name not in BOTOCORE_SERVICES:
            freed += tree_size(service)
            shutil.rmtree(service)
    return freed


def prune_packages() -> int:
    freed = 0
    for name in UNUSED_PACKAGES:
        parent, _, leaf = name.rpartition(".")
        target = package_dir(parent) / leaf
        if target.is_dir():
            freed += tree_size(target)
            shutil.rmtree(target)
    return freed


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def check_services_load() -> None:
    """Each kept service's model and endpoint rules load, and a client is built."""
    import botocore.session

    session = botocore.session.get_session()
    available = set(session.get_available_services())
    if available != BOTOCORE_SERVICES:
        raise SystemExit(f"slim: botocore lists {sorted(available)}, expected {sorted(BOTOCORE_SERVICES)}")
    for service in sorted(BOTOCORE_SERVICES):
        model = session.get_service_model(service)
        client = session.create_client(
            service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        if client.meta.service_model.service_name != model.service_name:
            raise SystemExit(f"slim: {service} client has the wrong model")
        client.close()


def main() -> None:
    freed = prune_botocore_data() + prune_packages()
    check_services_load()
    for module in RUNTIME_MODULES:
        importlib.import_module(module)
    kept = ", ".join(sorted(BOTOCORE_SERVICES))
    print(f"slim: freed {freed / 1e6:.1f} MB; botocore keeps {kept}; the operator imports", file=sys.stderr)


if __name__ == "__main__":
    main()
