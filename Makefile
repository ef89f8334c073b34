# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SMPO_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/smpo
export SMPO_CACHE
export SMPO_BIN_DIR := $(SMPO_CACHE)/bin
export PATH := $(SMPO_BIN_DIR):$(PATH)
# pip downloads are cached outside the repository and reused between runs.
export PIP_CACHE_DIR ?= $(SMPO_CACHE)/pip
# The slowest tests are printed at the end of each run, so what a run costs can be watched.
PYTEST_ARGS ?= --durations=15

.PHONY: help venv tools controlplane packaging-tools prometheus alertmanager monitoring chart lint typecheck crds test test-unit test-integration test-e2e bench demo image clean

help:
	@echo "make demo   - local control plane + SageMaker emulator + operator + examples, live"
	@echo "make test   - lint, type check, unit, integration and end-to-end tests"
	@echo "make lint   - ruff, mypy and the import-layer contract only"
	@echo "make bench  - benchmarks that print figures"
	@echo "make image  - the operator image (Docker, else podman)"

# The venv is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,sdk]'
	@touch $@

venv: $(VENV)/.installed

# Real etcd, kube-apiserver, kube-controller-manager and kubectl, built from pinned Go modules
# (hack/controlplane/README.md).
controlplane:
	@hack/gobin.sh hack/controlplane/etcd go.etcd.io/etcd/server/v3=etcd
	@hack/gobin.sh hack/controlplane/kubernetes k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl

# helm and kubeconform from pinned Go modules; the Prometheus Operator module holds the
# ServiceMonitor/PrometheusRule CRDs the chart tests install (read from the Go module cache).
packaging-tools:
	@hack/gobin.sh hack/helm helm.sh/helm/v3/cmd/helm
	@hack/gobin.sh hack/kubeconform github.com/yannh/kubeconform/cmd/kubeconform
	@cd hack/prometheus-operator && go mod download github.com/prometheus-operator/prometheus-operator

# promtool and prometheus from their pinned Go module (alert rule tests, e2e scrape; hack/prometheus/README.md).
prometheus:
	@hack/gobin.sh hack/prometheus github.com/prometheus/prometheus/cmd/promtool \
		github.com/prometheus/prometheus/cmd/prometheus

# alertmanager from its pinned Go module (the PipelineTrigger alert-loop e2e test; hack/alertmanager/README.md).
alertmanager:
	@hack/alertmanager/build.sh

tools: controlplane packaging-tools prometheus alertmanager

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The CRDs, and every generated copy of them (the chart's crds/, manifests/install/crds/).
crds: venv packaging-tools
	$(BIN)/smpo crds --out crds
	$(BIN)/python hack/chartgen.py
	$(BIN)/python -m sagemaker_pipelines_operator.api.reference docs/api-reference.md

# definition/step_types.py and step_arguments.json, from botocore's models (tests/unit/test_step_types.py
# checks them).
.PHONY: step-types
step-types: venv
	$(BIN)/python hack/steptypes.py

# docs/api-reference.md, rendered from the API models (tests/unit/test_api_reference.py checks it).
.PHONY: docs
docs: venv
	$(BIN)/python -m sagemaker_pipelines_operator.api.reference docs/api-reference.md

# The chart's crds/ and README.md and the kustomize base manifests/install/, regenerated.
chart: venv packaging-tools
	$(BIN)/python hack/chartgen.py

# Alert rules, the chart's PrometheusRule and the Grafana dashboard, rendered from observability/.
monitoring: venv
	$(BIN)/python -m sagemaker_pipelines_operator.observability

# The SDK 3.x environment for `smpo render` tests, cached in ~/.cache/smpo/sdk3-venv (135+
# packages, minutes to install once): built before pytest starts, whose per-test timeout would
# otherwise cut a first install short (test_sdk3_render.py only finds it then).
.PHONY: sdk3-venv
sdk3-venv:
	@hack/sdk3venv.sh >/dev/null

test-unit: venv
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

test: venv tools sdk3-venv lint
	$(BIN)/pytest tests/unit tests/integration tests/e2e $(PYTEST_ARGS)

# Figures are merged into docs/benchmarks/run-tracking.json (a point per scenario) and plotted.
BENCH_RECORD := docs/benchmarks/run-tracking.json
bench: venv tools
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	SMPO_BENCH_RECORD=$(BENCH_RECORD) $(BIN)/pytest tests/bench -m bench -s $(PYTEST_ARGS)
	$(BIN)/python hack/bench/plot.py $(BENCH_RECORD) docs/benchmarks/run-tracking.svg

demo: venv controlplane
	$(BIN)/smpo dev

# The operator image, tagged with the package version: Docker where a daemon runs, else podman on a
# local Debian base (installed and built on first use; hack/image/README.md).
image:
	@hack/image/build.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
