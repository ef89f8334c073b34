"""`python -m sagemaker_pipelines_operator.observability`: write or check the monitoring files."""

from sagemaker_pipelines_operator.observability.artifacts import main

raise SystemExit(main())
