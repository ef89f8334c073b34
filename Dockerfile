# syntax=docker/dockerfile:1
# The operator image: `smpo run` on slim Python, as a non-root user, writing nothing outside /tmp
# (so the pod runs with a read-only root filesystem). Build it with `make image`
# (hack/image/build.sh: Docker where a daemon runs, else podman on a local Debian base);
# tests/e2e/test_image.py builds it that way and runs it against the local control plane.
#
# Pin the base by digest for reproducible builds:
#   docker build --build-arg PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:<digest> .
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
# hack/image/build.sh passes the sources' digest. The runtime stage's install bind-mounts this
# stage's wheels, which are not part of its layer cache key: without the digest (an ARG a RUN sees,
# in both stages) podman reused an install of older code, or found no wheels to mount.
ARG SOURCE_DIGEST=unset
WORKDIR /src
COPY pyproject.toml README.md ./
# Only the operator's package: the emulator (operator/sagemaker_pipelines_emulator) is a dev tool.
COPY operator/sagemaker_pipelines_operator ./operator/sagemaker_pipelines_operator
# The project's wheel plus a wheel of every dependency: the runtime stage installs offline.
# Only this distribution is built (not the repository's tests or tools). pip's cache lives in a
# build cache mount, so a rebuild after a code change reuses what the index lets pip cache.
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
# See the build stage: the install below re-runs exactly when the sources change.
ARG SOURCE_DIGEST=unset
LABEL org.opencontainers.image.title="sagemaker-pipelines-operator" \
      org.opencontainers.image.description="Kubernetes operator for Amazon SageMaker Pipelines (GitOps)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp \
    PATH=/opt/smpo/bin:$PATH
# Bytecode is compiled at install time, so the read-only image never needs to write .pyc files.
# hack/image/slim.py drops botocore data of services the operator never calls and the unused
# asyncio Kubernetes client, then checks what is left loads; pip leaves the venv last.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    --mount=type=bind,source=hack/image/slim.py,target=/slim.py \
    python -m venv /opt/smpo \
 && /opt/smpo/bin/python -m pip install --no-index --find-links=/wheels --no-cache-dir sagemaker-pipelines-operator \
 && /opt/smpo/bin/python /slim.py \
 && /opt/smpo/bin/python -m pip uninstall --yes --quiet pip setuptools \
 && /opt/smpo/bin/smpo --version
# 65532: the conventional "nonroot" UID; the chart's securityContext uses the same.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["smpo", "run"]
