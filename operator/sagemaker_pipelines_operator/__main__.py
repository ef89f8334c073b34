"""`python -m sagemaker_pipelines_operator` is `smpo`."""

import sys

from sagemaker_pipelines_operator.cli.main import main

sys.exit(main())
