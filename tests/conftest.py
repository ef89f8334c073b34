"""Shared pytest setup. Fixtures live in plugins under tests/fixtures/, one module per concern;
list a new one in `pytest_plugins`."""

pytest_plugins = [
    # Local control plane: control_plane, kubeconfig_path, kube_api, namespace.
    "tests.fixtures.kube",
]
