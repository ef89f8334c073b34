"""Test suite of sagemaker-pipelines-operator (a package so plugins import as tests.fixtures.*)."""
