"""What an auditor reads: a pipeline's versions and runs (`smpo history`) and two runs side by
side (`smpo compare`), as plain data from cluster objects or SageMaker replies. Pure."""
