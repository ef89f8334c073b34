# syntax=docker/dockerfile:1
# The operator image: `smpo run` on slim Python, as a non-root user, writing nothing outside /tmp
# (so the pod runs with a read-only root filesystem). tests/e2e/test_image_recipe.py performs the
# same wheel build and install into a fresh venv, since no Docker engine runs in CI.
#
# Pin the base by digest for reproducible builds:
#   docker build --build-arg PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:<digest> .
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
# Only the operator's package: the emulator (operator/sagemaker_pipelines_emulator) is a dev tool.
COPY operator/sagemaker_pipelines_operator ./operator/sagemaker_pipelines_operator
# The project's wheel plus a wheel of every dependency: the runtime stage installs offline.
RUN python -m pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
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
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/smpo \
 && /opt/smpo/bin/python -m pip install --no-index --find-links=/wheels --no-cache-dir sagemaker-pipelines-operator \
 && /opt/smpo/bin/smpo --version
# 65532: the conventional "nonroot" UID; the chart's securityContext uses the same.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["smpo", "run"]
