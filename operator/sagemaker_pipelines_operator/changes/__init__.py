"""`smpo diff`: what merging the manifests would change in SageMaker, read-only.

observe.py reads the live pipelines, plan.py decides with the operator's planner, report.py
prints the result.
"""
