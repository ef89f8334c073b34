"""Condition types and reasons, each documented: the vocabulary of every status this operator writes.

Types follow kstatus (`Ready`, `Reconciling`, `Stalled`) so that `kubectl wait`, Argo CD and Flux
understand our resources without plugins; `Succeeded` is Tekton-style for runs; `Drifted` is for
pipelines changed outside Git.
"""

from typing import Final

# --- Condition types -------------------------------------------------------------------------

READY: Final = "Ready"
"""The resource is in the state its spec asks for (a run: it finished successfully)."""

RECONCILING: Final = "Reconciling"
"""The operator is working towards the desired state (kstatus: True while in progress)."""

STALLED: Final = "Stalled"
"""Progress is impossible until someone changes the spec (or the world): no retries happen."""

SUCCEEDED: Final = "Succeeded"
"""PipelineRun only: True once the execution succeeded, False once it ended otherwise."""

DRIFTED: Final = "Drifted"
"""Pipeline only: the live SageMaker pipeline differs from Git and `driftPolicy: Report` left it."""

# --- Reasons ---------------------------------------------------------------------------------
# Reasons are CamelCase per Kubernetes convention; a person reads them in `kubectl describe`.

RECONCILED: Final = "Reconciled"
"""Ready=True: the desired state is applied and was confirmed by SageMaker."""

PROGRESSING: Final = "Reconciling"
"""Ready=Unknown, Reconciling=True: first sight of a resource, or a change is being applied."""

INVALID_SPEC: Final = "InvalidSpec"
"""Stalled=True: the spec fails validation the API server could not express."""

INVALID_DEFINITION: Final = "InvalidDefinition"
"""Stalled=True: the pipeline definition is malformed; the message names the step and field."""

DEFINITION_SOURCE_NOT_FOUND: Final = "DefinitionSourceNotFound"
"""Reconciling=True: the referenced ConfigMap/key or S3 object does not exist (yet)."""

OWNED_ELSEWHERE: Final = "OwnedElsewhere"
"""Stalled=True: the SageMaker pipeline belongs to another resource (or is unowned, no Adopt)."""

AWS_REJECTED: Final = "AWSRejected"
"""Stalled=True: SageMaker refused the request (validation, access denied); the message is AWS's."""

AWS_UNAVAILABLE: Final = "AWSUnavailable"
"""Reconciling=True: throttling, 5xx or network trouble; retried with backoff."""

NAMESPACE_NOT_ALLOWED: Final = "NamespaceNotAllowed"
"""Stalled=True: tenancy rules refuse this namespace (no allowed role, or not in the allow-list)."""

DELETING: Final = "Deleting"
"""Reconciling=True: finalizer work in progress (stopping executions, deleting the pipeline)."""

DRIFT_DETECTED: Final = "DriftDetected"
"""Drifted=True: the live definition or settings differ from the spec."""

DRIFT_CORRECTED: Final = "DriftCorrected"
"""Drifted=False: drift was found and Git's state re-applied."""

NO_DRIFT: Final = "NoDrift"
"""Drifted=False: live state matches the spec."""

PIPELINE_DELETED_IN_SAGEMAKER: Final = "PipelineMissing"
"""The SageMaker pipeline vanished behind our back (recreated under Correct, reported under Report)."""

WAITING_FOR_PIPELINE: Final = "WaitingForPipeline"
"""Reconciling=True: a PipelineRun waits for its referenced Pipeline to become Ready."""

PIPELINE_NOT_FOUND: Final = "PipelineNotFound"
"""A PipelineRun's referenced Pipeline does not exist (or was deleted)."""

WAITING_FOR_SOURCE_RUN: Final = "WaitingForSourceRun"
"""Reconciling=True: selectiveExecution.fromRun names a run that does not exist or has not started."""

INVALID_PARAMETERS: Final = "InvalidParameters"
"""Stalled=True: run parameters do not match the pipeline's declared parameters."""

UNMANAGED_PIPELINE_NOT_ALLOWED: Final = "UnmanagedPipelineNotAllowed"
"""Stalled=True: `spec.pipelineName` is used but the operator does not allow unmanaged pipelines."""

STARTING: Final = "Starting"
"""Reconciling=True: StartPipelineExecution is being called (exactly once, by token)."""

EXECUTING: Final = "Executing"
"""Reconciling=True: the execution runs in SageMaker."""

STOPPING: Final = "Stopping"
"""Reconciling=True: a stop was requested (cancel, timeout or deletion)."""

RETRYING: Final = "Retrying"
"""Reconciling=True: the failed execution is being retried (RetryPipelineExecution)."""

EXECUTION_SUCCEEDED: Final = "ExecutionSucceeded"
"""Succeeded=True, Ready=True: the execution finished successfully."""

EXECUTION_FAILED: Final = "ExecutionFailed"
"""Succeeded=False: the execution failed; the message names the failing step and reason."""

EXECUTION_STOPPED: Final = "ExecutionStopped"
"""Succeeded=False: the execution was stopped (cancel or deletion)."""

EXECUTION_COMPLETED_WITH_FAILURES: Final = "ExecutionCompletedWithFailures"
"""Succeeded=False: the execution completed but some steps failed."""

TIMEOUT: Final = "Timeout"
"""Succeeded=False: `timeoutSeconds` passed, so the operator stopped the execution."""

EXECUTION_NOT_FOUND: Final = "ExecutionNotFound"
"""Stalled=True: the tracked execution no longer exists in SageMaker."""

SCHEDULED: Final = "Scheduled"
"""PipelineSchedule Ready=True: the schedule is active and creates runs on time."""

SUSPENDED: Final = "Suspended"
"""PipelineSchedule Ready=True: `suspend: true`, no runs are created."""

INVALID_SCHEDULE: Final = "InvalidSchedule"
"""Stalled=True: the cron expression or time zone is invalid."""

SKIPPED: Final = "Skipped"
"""PipelineSchedule Event: a scheduled time was skipped (concurrencyPolicy Forbid, or past its
startingDeadlineSeconds)."""

LISTENING: Final = "Listening"
"""PipelineTrigger Ready=True: the source is being watched (queue polled, endpoint served)."""

SOURCE_UNAVAILABLE: Final = "SourceUnavailable"
"""PipelineTrigger Ready=False: the source cannot be read (queue missing or denied, Secret missing);
retried."""

INVALID_TRIGGER: Final = "InvalidTrigger"
"""Stalled=True: the trigger's spec is invalid (source, expressions); fix the spec."""

# --- Event-only reasons ------------------------------------------------------------------------
# Events name what happened; conditions above name the state. These appear only in Events.

STARTED: Final = "Started"
"""PipelineRun Event: StartPipelineExecution returned the execution ARN."""

RETRIED: Final = "Retried"
"""PipelineRun Event: RetryPipelineExecution resumed the failed execution (a new attempt)."""

RUN_CREATED: Final = "RunCreated"
"""PipelineSchedule Event: a PipelineRun was created for a scheduled time."""

RUN_REPLACED: Final = "RunReplaced"
"""PipelineSchedule Event: concurrencyPolicy Replace cancelled an active run for a new one."""

RUN_DELETED: Final = "RunDeleted"
"""PipelineSchedule/PipelineRun Event: a finished run was deleted (history limit or TTL)."""

TRIGGERED: Final = "Triggered"
"""PipelineTrigger Event: an event created a PipelineRun; the message names the event."""

EVENT_DROPPED: Final = "EventDropped"
"""PipelineTrigger Event (Warning): an event was not turned into a run; the message says why
(malformed, suspended, Forbid, rate limit, invalid parameters)."""

# --- Pipeline: Kubernetes trouble and Event-only reasons -----------------------------------------

KUBERNETES_UNAVAILABLE: Final = "KubernetesUnavailable"
"""Reconciling=True: reading a referenced object from the API server failed (5xx, timeout); retried."""

KUBERNETES_REJECTED: Final = "KubernetesRejected"
"""Stalled=True: the API server refused to show a referenced object (RBAC); the message says which."""

CREATED: Final = "Created"
"""Pipeline Event: CreatePipeline succeeded."""

UPDATED: Final = "Updated"
"""Pipeline Event: UpdatePipeline succeeded; the message lists the fields that changed."""

ADOPTED: Final = "Adopted"
"""Pipeline Event: an unowned SageMaker pipeline was taken over (`adoptionPolicy: Adopt`)."""

TAGS_SYNCED: Final = "TagsSynced"
"""Pipeline Event: tags were added to or removed from the SageMaker pipeline to match the spec."""

STOPPING_EXECUTIONS: Final = "StoppingExecutions"
"""Pipeline Event: deletion (`deletionPolicy: Delete`) is stopping the pipeline's active executions."""

DELETED: Final = "Deleted"
"""Pipeline Event: DeletePipeline succeeded (`deletionPolicy: Delete`)."""

RETAINED: Final = "Retained"
"""Pipeline Event: the resource was deleted and the SageMaker pipeline kept (`deletionPolicy: Retain`)."""

NOT_DELETED: Final = "NotDeleted"
"""Pipeline Event (Warning): deletion left a SageMaker pipeline that this resource does not own."""

CONDITION_TYPES: Final = (READY, RECONCILING, STALLED, SUCCEEDED, DRIFTED)
