"""Shared pytest setup. Fixtures live in plugins under tests/fixtures/, one module per concern;
list a new one in `pytest_plugins`."""

pytest_plugins = [
    # Local control plane: control_plane, kubeconfig_path, kube_api, namespace.
    "tests.fixtures.kube",
    # Packaging: helm, kubeconform, kube_schemas, monitoring_crds, install_chart.
    "tests.fixtures.chart",
    # SageMaker emulator in a background thread: emulator, sagemaker_client.
    "tests.fixtures.emulator",
    # The operator in-process against the control plane and the emulator: start_operator, operator.
    "tests.fixtures.operator",
    # Pipeline resources of the test's namespace, deleted while the operator still runs: pipelines.
    "tests.fixtures.pipeline_resources",
    # moto's server (S3 definitions, STS roles, SQS triggers): moto_server, moto, s3_client, sqs_client.
    "tests.fixtures.moto_server",
    # Observability: promtool, prometheus_binary, start_prometheus, serve_observability.
    "tests.fixtures.prometheus",
    # The operator image (hack/image/build.sh) and containers of it: operator_image, run_container.
    "tests.fixtures.image",
    # A real Alertmanager for the PipelineTrigger alert loop: start_alertmanager.
    "tests.fixtures.alertmanager",
    # The SDK 3.x environment for renders in a subprocess: sdk3_python.
    "tests.fixtures.sdk3",
    # Argo CD's and Flux's real CRDs for Git lineage: gitops_crds.
    "tests.fixtures.gitops",
]
