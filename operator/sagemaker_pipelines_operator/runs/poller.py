"""The batch poller: one thread for the whole operator that, per SageMaker pipeline with active
runs, calls ListPipelineExecutions once per tick and updates all of that pipeline's runs; steps
are listed only for runs whose status changed or that are executing and due. Finished runs
leave the tracker and cost nothing; TTL deletions of finished runs happen here too.

Why not a kopf timer or daemon per run: the cost would grow with runs (one Describe each),
and with thousands of runs that is the whole AWS budget. See docs/decisions/0007-run-batch-poller.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.aws.ratelimit import TokenBucket
from sagemaker_pipelines_operator.aws.run_executions import RunExecutions
from sagemaker_pipelines_operator.errors import ReconcileError
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.runs.plan.polling import (
    STEPS_SHARE,
    listing_window,
    poll_interval,
    steps_budget,
)
from sagemaker_pipelines_operator.runs.plan.run import ObservedExecution
from sagemaker_pipelines_operator.runs.plan.step_events import wants_listing
from sagemaker_pipelines_operator.runs.reconciler import RunReconciler, Seen
from sagemaker_pipelines_operator.runs.tracker import Expiry, RunGroup, RunTracker, TrackedRun
from sagemaker_pipelines_operator.runtime.kube import ObjectRef
from sagemaker_pipelines_operator.settings import OperatorSettings

_STEPS_CAN_WAIT = frozenset({"Succeeded", "Stopped"})
POOL_SIZE = 4
"""Pipelines polled at once; the AWS budget, not threads, is the limit."""
IDLE_WAKE_SECONDS = 5.0
log = logging.getLogger(__name__)


class RunPoller:
    def __init__(
        self,
        settings: OperatorSettings,
        tracker: RunTracker,
        reconciler: RunReconciler,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.tracker = tracker
        self.reconciler = reconciler
        self.wall_clock = wall_clock
        # Step listings of unchanged runs refill at a share of the AWS budget, so that one listing
        # per pipeline per tick always fits (changed runs bypass this allowance).
        self._steps_bucket = TokenBucket(
            settings.aws_tps * STEPS_SHARE, steps_budget(settings.aws_tps, settings.poll_min_seconds)
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._pool = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="smpo-poll")
        self._thread = threading.Thread(target=self._loop, name="smpo-run-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.tracker.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:  # the poller must outlive any one bad tick
                log.exception("run poller tick failed")
            waits = [
                self.tracker.seconds_until_due(),
                self.tracker.seconds_until_expiry(time.time()),
                IDLE_WAKE_SECONDS,
            ]
            self.tracker.wake.wait(min(w for w in waits if w is not None))
            self.tracker.wake.clear()

    def tick(self) -> None:
        """Hand every due pipeline to a worker, and delete runs whose TTL passed."""
        assert self._pool is not None
        for group in self.tracker.claim_due():
            self._pool.submit(self._poll_group_safely, group)
        for tracked, status in self.tracker.claim_settled():
            self._pool.submit(self._settle_safely, tracked, status)
        for tracked in self.tracker.claim_steps_due():
            self._pool.submit(self._list_steps_safely, tracked)
        for expiry in self.tracker.due_expiries(time.time()):
            self._pool.submit(self._expire, expiry)

    def _expire(self, expiry: Expiry) -> None:
        try:
            self.reconciler.writer.delete(ObjectRef(expiry.namespace, expiry.name, expiry.uid))
            log.info("deleted PipelineRun %s/%s (ttlSecondsAfterFinished)", expiry.namespace, expiry.name)
        except ReconcileError as exc:
            log.warning("TTL deletion of %s/%s failed, retrying: %s", expiry.namespace, expiry.name, exc)
            self.tracker.expire(Expiry(expiry.uid, expiry.namespace, expiry.name, time.time() + 10))

    def _poll_group_safely(self, group: RunGroup) -> None:
        next_poll = self.tracker.clock() + self.settings.poll_max_seconds
        try:
            next_poll = self.poll_group(group)
        except Exception:
            log.exception("polling pipeline %s failed", group.key[2])
        finally:
            self.tracker.release(group, next_poll)
            self.tracker.wake.set()

    def _list_steps_safely(self, tracked: TrackedRun) -> None:
        try:
            self.list_steps(tracked)
        except Exception:
            log.exception("listing the steps of %s/%s failed", tracked.namespace, tracked.name)
        finally:
            self.tracker.wake.set()

    def _settle_safely(self, tracked: TrackedRun, status: str) -> None:
        try:
            self.settle(tracked, status)
        except Exception:
            log.exception("writing the final status of %s/%s failed", tracked.namespace, tracked.name)
            self.tracker.kick(tracked.uid)  # the listing looks instead
        finally:
            self.tracker.wake.set()

    def settle(self, tracked: TrackedRun, status: str) -> None:
        """An event's final status (Succeeded, Stopped), written without listing the pipeline; the
        final steps follow within the steps allowance (decision 75). Not written: the listing looks."""
        with tracked.lock:
            if self.tracker.get(tracked.uid) is not tracked or status == tracked.last_seen_status:
                return
            known = tracked.execution
            execution = Execution(tracked.execution_arn, status, known.start_time if known else None)
            tracked.execution = execution
            tracked.final_steps_pending = True
            tracked.steps_unknown = True  # the record keeps the listed final steps, not the events'
            self._apply(tracked, ObservedExecution.of(execution))
            if self.tracker.get(tracked.uid) is not tracked:
                return
            if (tracked.run.status.phase or PipelineRunPhase.PENDING).finished:
                self.tracker.steps_due_in(tracked, 0.0)
            else:
                self.tracker.kick(tracked.uid)

    def list_steps(self, tracked: TrackedRun) -> None:
        """A step event's look, with the run's execution as last listed: the steps its events
        reported, written without a call (decision 76), or, where they cannot say enough, the
        run's steps listed alone. Skipped when a listing since the events already covered them;
        a listing waits for the steps allowance."""
        with tracked.lock:
            execution = tracked.execution
            if self.tracker.get(tracked.uid) is not tracked or execution is None:
                return
            events = self.tracker.take_step_events(tracked)
            if events and wants_listing(tracked.run.status.steps, events):
                tracked.steps_unknown = True
            if not tracked.steps_unknown:
                if events:
                    tracked.steps_checked = self.tracker.clock()
                    self._apply(tracked, ObservedExecution.of(execution, step_events=events))
                return
            wait = self._steps_bucket.try_acquire()
            if wait > 0:
                self.tracker.steps_due_in(tracked, wait)
                return
            api = self.reconciler.executions_for(tracked.key[0], tracked.key[1])
            since = self.tracker.clock()
            try:
                steps = api.steps(execution.arn)
            except ReconcileError as exc:
                log.warning(
                    "steps of %s/%s: %s; the next listing looks", tracked.namespace, tracked.name, exc
                )
                self.tracker.kick(tracked.uid)
                return
            self.tracker.steps_listed(tracked, since)
            tracked.final_steps_pending = False  # a finished run's final steps: these are they
            if steps is None:  # the execution is gone: what that means is the listing's to say
                self.tracker.kick(tracked.uid)
                return
            self._apply(tracked, ObservedExecution.of(execution, steps))

    def poll_group(self, group: RunGroup) -> float:
        """One listing for the whole pipeline, then each run; returns when to look next."""
        region, role, pipeline = group.key
        settings = self.settings
        api = self.reconciler.executions_for(region, role)
        runs = list(group.runs.values())
        try:
            window = listing_window(t.run.status.start_time for t in runs)
            summaries = api.listing(pipeline, window)
        except ReconcileError as exc:
            log.warning("ListPipelineExecutions for %s failed, backing off: %s", pipeline, exc.message)
            return self.tracker.clock() + settings.poll_max_seconds
        missing_pipeline = summaries is None
        by_arn = {execution.arn: execution for execution in summaries or []}
        for tracked in runs:
            with tracked.lock:
                if self.tracker.get(tracked.uid) is tracked:
                    self._update(api, tracked, by_arn, missing_pipeline)
        now = self.tracker.clock()
        if settings.status_events_queue_url:  # events say when to look; this is the safety net
            return now + settings.status_events_poll_seconds
        quiet = now - max((t.last_change for t in runs), default=now)
        return now + poll_interval(quiet, settings.poll_min_seconds, settings.poll_max_seconds)

    def _update(
        self,
        api: RunExecutions,
        tracked: TrackedRun,
        by_arn: Mapping[str, Execution],
        missing_pipeline: bool,
    ) -> None:
        try:
            observed = self._observe(api, tracked, by_arn, missing_pipeline)
        except ReconcileError as exc:
            log.warning(
                "looking at %s/%s failed, retrying next tick: %s", tracked.namespace, tracked.name, exc
            )
            return
        self._apply(tracked, observed)

    def _apply(self, tracked: TrackedRun, observed: ObservedExecution) -> None:
        """Reconcile the run with what was observed, and keep the tracker's bookkeeping."""
        try:
            result = self.reconciler.reconcile(tracked.run, self.wall_clock(), Seen(observed, tracked.key[1]))
        except ReconcileError as exc:  # not even why could be written: the next tick tries again
            log.warning("updating %s/%s failed, retrying next tick: %s", tracked.namespace, tracked.name, exc)
            return
        if result.run is None:  # the run is gone: deleted while we looked, or by its TTL
            self.tracker.untrack(tracked.uid)
            return
        mono = self.tracker.clock()
        if observed.status != tracked.last_seen_status:
            tracked.last_change = mono  # only what a listing shows speeds the listing up
            tracked.last_seen_status = observed.status
        tracked.keep(result.run)
        tracked.wake_at = mono + result.requeue_after if result.requeue_after is not None else None
        phase = result.run.status.phase
        if phase is not None and phase.finished and not tracked.final_steps_pending:
            self.tracker.untrack(tracked.uid)
            self.tracker.expire_after_ttl(result.run)

    def _observe(
        self,
        api: RunExecutions,
        tracked: TrackedRun,
        by_arn: Mapping[str, Execution],
        missing_pipeline: bool,
    ) -> ObservedExecution:
        arn = tracked.run.status.execution_arn
        assert arn is not None
        if missing_pipeline:
            return ObservedExecution(arn, missing="pipeline")
        execution = by_arn.get(arn)
        if execution is None:  # older than the window, or a listing that lags: ask for this one
            execution = api.describe(arn)
            if execution is None:
                return ObservedExecution(arn, missing="execution")
        tracked.execution = execution
        steps = None
        if self._wants_steps(tracked, execution.status):
            since = self.tracker.clock()
            steps = api.steps(arn)
            self.tracker.steps_listed(tracked, since)
            tracked.final_steps_pending = False
        return ObservedExecution.of(execution, steps)

    def _wants_steps(self, tracked: TrackedRun, status: str | None) -> bool:
        """Steps follow a status change at once when the change needs them (a failure names its
        step); a success or stop is written at once and its final steps follow within the steps
        allowance, so that a wave of completions cannot starve the listings (status lag)."""
        if status != tracked.last_seen_status:
            if status in _STEPS_CAN_WAIT and self._steps_bucket.try_acquire() > 0:
                tracked.final_steps_pending = True
                return False
            return True
        if tracked.final_steps_pending:
            return self._steps_bucket.try_acquire() == 0.0
        return status == "Executing" and self._steps_due(tracked)

    def _steps_due(self, tracked: TrackedRun) -> bool:
        """Steps of an unchanged executing run are refreshed at most every steps_refresh_seconds
        (with status events, when neither a listing nor a step event gave them for a safety-net
        interval), and only while the steps allowance lasts: the cost must not grow with runs."""
        settings = self.settings
        events = settings.status_events_queue_url
        every = settings.status_events_poll_seconds if events else settings.steps_refresh_seconds
        if tracked.steps_unknown:
            every = 0.0
        waited = self.tracker.clock() - tracked.steps_checked
        return waited >= every and self._steps_bucket.try_acquire() == 0.0
