"""The operator's in-memory index of active PipelineRuns, grouped by SageMaker pipeline so the
poller spends one listing per pipeline, plus the deletion times of finished runs with a TTL.

Filled by the PipelineRun handlers (on create, and on resume after a restart); finished runs
leave it, so they cost nothing. Thread-safe: kopf's handler threads and the poller share it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.runs.plan.deadlines import ttl_expiry
from sagemaker_pipelines_operator.runs.plan.status_events import SETTLED_BY_EVENT
from sagemaker_pipelines_operator.runtime.kube import ObjectRef

_EXECUTION_PHASES = frozenset({PipelineRunPhase.EXECUTING, PipelineRunPhase.STOPPING})
GroupKey = tuple[str, str | None, str]
"""(region, role ARN or None, SageMaker pipeline name): what one ListPipelineExecutions covers."""
_UNUSED_METADATA = ("managedFields",)
"""Metadata the operator never reads from a tracked run: the API server's field ownership, which
grows with every manager and status field (kilobytes per run, kept for as long as it executes)."""
_UNUSED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
"""`kubectl apply`'s copy of the whole manifest as JSON, read only by kubectl."""


def lean(run: PipelineRun) -> PipelineRun:
    """The run without the metadata nobody reads while it is tracked."""
    metadata = {k: v for k, v in run.metadata.items() if k not in _UNUSED_METADATA}
    annotations = metadata.get("annotations")
    if annotations and any(key in annotations for key in _UNUSED_ANNOTATIONS):
        metadata["annotations"] = {k: v for k, v in annotations.items() if k not in _UNUSED_ANNOTATIONS}
    return run.model_copy(update={"metadata": metadata})


@dataclass
class TrackedRun:
    """An active run and its polling bookkeeping. Hold `lock` while planning or writing it."""

    run: PipelineRun
    key: GroupKey
    last_change: float
    """Monotonic time the run was tracked or its execution status last changed."""
    steps_checked: float = 0.0
    """Monotonic time the steps were last listed or last written from a step event."""
    steps_unknown: bool = False
    """A step changed that only a listing can tell (an event that did not say enough)."""
    step_events: list[tuple[float, Mapping[str, Any]]] = field(default_factory=list)
    """Steps as step events reported them, not written yet: (monotonic arrival, entry)."""
    wake_at: float | None = None
    """Monotonic time a retry backoff or timeout needs a look, whatever the poll interval."""
    last_seen_status: str | None = None
    """PipelineExecutionStatus at the previous poll (initially the run's own phase)."""
    final_steps_pending: bool = False
    """Finished, but its final step list waits for the steps allowance; tracked until then."""
    execution_arn: str = ""
    """The execution it was tracked for (status events name executions)."""
    execution: Execution | None = None
    """The execution as the last listing or Describe showed it."""
    steps_due: float | None = None
    """Monotonic time a step event asks for this run's steps, written from the events or listed
    alone: a step's change does not change the execution's status, so it costs no listing of the
    pipeline."""
    lock: threading.RLock = field(default_factory=threading.RLock)

    def keep(self, run: PipelineRun) -> None:
        """Hold `run` (its latest status or spec) from now on, without unused metadata."""
        self.run = lean(run)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.run.metadata)

    @property
    def uid(self) -> str:
        return str(self.ref.uid)

    @property
    def namespace(self) -> str:
        return self.ref.namespace

    @property
    def name(self) -> str:
        return self.ref.name


@dataclass
class RunGroup:
    key: GroupKey
    runs: dict[str, TrackedRun] = field(default_factory=dict)
    next_poll: float = 0.0
    busy: bool = False
    """A poller worker holds this group."""
    hinted: float | None = None
    """When a status event or a kick that arrived since the group was last claimed asks for the
    next look (runs/status_events, a spec change); one that arrives during a poll survives the
    poll's own choice."""


@dataclass
class EarlyHint:
    """What status events said of an execution before any run here tracked it: a start's first
    events can arrive before the run that started it is written and tracked."""

    at: float
    steps: bool = False
    """A step changed that only a listing can tell."""
    step_events: list[tuple[float, Mapping[str, Any]]] = field(default_factory=list)
    """Steps as their events reported them."""
    execution: bool = False
    """The execution's status changed."""
    status: str | None = None
    """The latest execution status an event reported, if any."""


EARLY_HINT_SECONDS = 60.0
"""How long an event for an untracked execution is kept for a run that may track it."""
EARLY_HINTS_MAX = 10_000
"""At most this many are kept (events of executions another operator or shard follows)."""
STEP_EVENTS_MAX = 64
"""Step events kept per run until written; beyond, the run's steps are listed instead."""


@dataclass(frozen=True)
class Expiry:
    uid: str
    namespace: str
    name: str
    at: float
    """Unix time the run may be deleted (ttlSecondsAfterFinished after completion)."""


class RunTracker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.wake = threading.Event()
        """Set when something needs the poller sooner than it planned to look."""
        self._lock = threading.Lock()
        self._groups: dict[GroupKey, RunGroup] = {}
        self._by_uid: dict[str, TrackedRun] = {}
        self._by_execution: dict[str, str] = {}
        """Execution ARN → uid: status events name executions (a tracked run keeps its one)."""
        self._expiries: dict[str, Expiry] = {}
        self._settled: dict[str, tuple[TrackedRun, str]] = {}
        """uid → the run and the final status an event reported for it, for the poller to write."""
        self._early: dict[str, EarlyHint] = {}
        """Execution ARN → what events said of it before it was tracked (oldest first)."""

    def track(
        self,
        run: PipelineRun,
        role_arn: str | None,
        first_poll_in: float = 0.0,
        execution: Execution | None = None,
    ) -> TrackedRun:
        """Start (or keep) tracking `run`, polling its group within `first_poll_in` seconds; an
        already tracked run keeps its bookkeeping. `execution` is what the start said of it (so
        that a step event can be followed before the first listing); events that named the
        execution before it was tracked are taken now."""
        status = run.status
        if not status.execution_arn or not status.pipeline_name or not status.region:
            raise ValueError("only runs with an execution, pipeline and region can be tracked")
        key: GroupKey = (status.region, role_arn, status.pipeline_name)
        now = self.clock()
        with self._lock:
            uid = str(ObjectRef.of(run.metadata).uid)
            tracked = self._by_uid.get(uid)
            if tracked is None:
                # What the status already says is no news: steps follow at the due pace.
                seen = str(status.phase) if status.phase in _EXECUTION_PHASES else None
                arn = status.execution_arn
                tracked = TrackedRun(
                    lean(run), key, now, last_seen_status=seen, execution_arn=arn, execution=execution
                )
                self._by_uid[uid] = tracked
                self._by_execution[arn] = uid
                group = self._groups.get(key)
                if group is None:
                    group = self._groups[key] = RunGroup(key, next_poll=now + first_poll_in)
                group.runs[uid] = tracked
                group.next_poll = min(group.next_poll, now + first_poll_in)
                early = self._early.pop(arn, None)
                if early is not None and early.at + EARLY_HINT_SECONDS >= now:
                    self._take_early(tracked, group, early, now)
        self.wake.set()
        return tracked

    def _take_early(self, tracked: TrackedRun, group: RunGroup, early: EarlyHint, now: float) -> None:
        """What events said before the run was tracked, as if they arrived now (hold the lock)."""
        if early.steps:
            _steps_changed(tracked, now)
        for arrived, entry in early.step_events:
            _steps_changed(tracked, now, entry, arrived)
        if early.status in SETTLED_BY_EVENT:
            self._settle_locked(tracked, str(early.status))
        elif early.execution:
            _execution_changed(tracked, group, early.status, now)

    def _settle_locked(self, tracked: TrackedRun, status: str) -> None:
        if status != tracked.last_seen_status:
            self._settled[tracked.uid] = (tracked, status)

    def _remember_early(
        self, execution_arn: str, steps: bool, status: str | None, step: Mapping[str, Any] | None = None
    ) -> None:
        """Keep an event for an execution no run tracks yet (hold the lock)."""
        now = self.clock()
        early = self._early.get(execution_arn)
        if early is None:
            early = self._early[execution_arn] = EarlyHint(now)
        if step is not None and len(early.step_events) < STEP_EVENTS_MAX:
            early.step_events.append((now, step))
        else:
            early.steps = early.steps or steps
        early.execution = early.execution or not steps
        early.status = status or early.status
        while self._early:  # oldest first: drop the expired, and the oldest beyond the cap
            oldest_arn, oldest = next(iter(self._early.items()))
            if oldest.at + EARLY_HINT_SECONDS >= now and len(self._early) <= EARLY_HINTS_MAX:
                break
            del self._early[oldest_arn]

    def get(self, uid: str) -> TrackedRun | None:
        with self._lock:
            return self._by_uid.get(uid)

    def untrack(self, uid: str) -> TrackedRun | None:
        with self._lock:
            tracked = self._by_uid.pop(uid, None)
            if tracked is not None:
                self._by_execution.pop(tracked.execution_arn, None)
                self._settled.pop(uid, None)
                group = self._groups.get(tracked.key)
                if group is not None:
                    group.runs.pop(uid, None)
                    if not group.runs and not group.busy:
                        del self._groups[tracked.key]
            return tracked

    def kick(self, uid: str, at: float | None = None) -> None:
        """Make the run's group due at `at` (default now) unless it is due earlier; a kick during
        the group's poll holds for the poll after, like a status event's hint (a spec change the
        poll in flight may have missed)."""
        with self._lock:
            tracked = self._by_uid.get(uid)
            group = self._groups.get(tracked.key) if tracked else None
            if tracked is not None and group is not None:
                _execution_changed(tracked, group, None, self.clock() if at is None else at)
        self.wake.set()

    def hint(
        self,
        execution_arn: str,
        steps: bool,
        within: float,
        status: str | None = None,
        step: Mapping[str, Any] | None = None,
    ) -> bool:
        """A status event named this execution. An execution's change makes its group due within
        `within` seconds (events of one pipeline arriving together then cost one listing), unless
        the event's `status` is the one last seen or the run's phase already (a late or repeated
        event, or the Stopping of a stop the operator made); a hint for a group
        being polled holds for the poll after. A step's change makes only the run's steps due
        within `within` (steps of one run changing together cost one write, or one step listing
        when the event's `step` is None); a run whose execution is not known yet gets its steps at
        its first look. False when no tracked run has that execution: the event is kept a while
        for a run that may track it (`track`)."""
        with self._lock:
            uid = self._by_execution.get(execution_arn)
            tracked = self._by_uid.get(uid) if uid is not None else None
            group = self._groups.get(tracked.key) if tracked else None
            if tracked is None or group is None:
                self._remember_early(execution_arn, steps, None if steps else status, step)
                return False
            now = self.clock()
            due = now + within
            if steps:
                _steps_changed(tracked, due, step, now)
            else:
                _execution_changed(tracked, group, status, due)
        self.wake.set()
        return True

    def settle(self, execution_arn: str, status: str) -> bool:
        """A status event says the execution ended with `status`, final and complete
        (plan/status_events.SETTLED_BY_EVENT): the poller writes it without listing the pipeline,
        unless it is the status last seen. False when no tracked run has that execution."""
        with self._lock:
            uid = self._by_execution.get(execution_arn)
            tracked = self._by_uid.get(uid) if uid is not None else None
            if tracked is None:
                self._remember_early(execution_arn, False, status)
                return False
            self._settle_locked(tracked, status)
        self.wake.set()
        return True

    def claim_settled(self) -> list[tuple[TrackedRun, str]]:
        """Runs whose final status an event reported, each with it, handed out once."""
        with self._lock:
            settled = list(self._settled.values())
            self._settled.clear()
            return settled

    def claim_due(self) -> list[RunGroup]:
        """Groups due for a poll, marked busy until `release`."""
        now = self.clock()
        with self._lock:
            due = [g for g in self._groups.values() if not g.busy and g.runs and g.next_poll <= now]
            for group in due:
                group.busy = True
                group.hinted = None  # its listing comes after every event so far: they are covered
            return due

    def release(self, group: RunGroup, next_poll: float) -> None:
        with self._lock:
            group.busy = False
            wakes = [t.wake_at for t in group.runs.values() if t.wake_at is not None]
            hinted = [group.hinted] if group.hinted is not None else []
            group.next_poll = min([next_poll, *wakes, *hinted])
            group.hinted = None
            if not group.runs:
                self._groups.pop(group.key, None)

    def steps_due_in(self, tracked: TrackedRun, seconds: float) -> None:
        """Ask for the run's steps again in `seconds` (the steps allowance was spent)."""
        due = self.clock() + seconds
        with self._lock:
            _ask_for_steps(tracked, due)
        self.wake.set()

    def take_step_events(self, tracked: TrackedRun) -> list[Mapping[str, Any]]:
        """The run's step events not written yet, handed out once."""
        with self._lock:
            taken = [entry for _, entry in tracked.step_events]
            tracked.step_events.clear()
            return taken

    def steps_listed(self, tracked: TrackedRun, since: float) -> None:
        """A listing that began at monotonic `since` gave the run's steps: step events that
        arrived before it are in it."""
        with self._lock:
            tracked.steps_unknown = False
            tracked.steps_checked = self.clock()
            tracked.step_events[:] = [(at, entry) for at, entry in tracked.step_events if at > since]

    def claim_steps_due(self) -> list[TrackedRun]:
        """Runs whose steps a step event asked for, due now; each is handed out once."""
        now = self.clock()
        with self._lock:
            due = [t for t in self._by_uid.values() if t.steps_due is not None and t.steps_due <= now]
            for tracked in due:
                tracked.steps_due = None
            return due

    def seconds_until_due(self) -> float | None:
        now = self.clock()
        with self._lock:
            if self._settled:
                return 0.0
            times = [g.next_poll for g in self._groups.values() if not g.busy and g.runs]
            times += [t.steps_due for t in self._by_uid.values() if t.steps_due is not None]
        return max(0.0, min(times) - now) if times else None

    def counts(self) -> tuple[int, int]:
        """(pipelines with active runs, active runs)."""
        with self._lock:
            return len(self._groups), len(self._by_uid)

    # --- ttlSecondsAfterFinished -------------------------------------------------------------

    def expire(self, expiry: Expiry) -> None:
        with self._lock:
            self._expiries[expiry.uid] = expiry
        self.wake.set()

    def expire_after_ttl(self, run: PipelineRun) -> None:
        """Arm (or disarm) the deletion of a finished run per its ttlSecondsAfterFinished."""
        ref = ObjectRef.of(run.metadata)
        at = ttl_expiry(run)
        if at is None:
            self.forget_expiry(str(ref.uid))
            return
        self.expire(Expiry(str(ref.uid), ref.namespace, ref.name, at.timestamp()))

    def forget_expiry(self, uid: str) -> None:
        with self._lock:
            self._expiries.pop(uid, None)

    def due_expiries(self, now: float) -> list[Expiry]:
        with self._lock:
            due = [e for e in self._expiries.values() if e.at <= now]
            for expiry in due:
                del self._expiries[expiry.uid]
            return due

    def seconds_until_expiry(self, now: float) -> float | None:
        with self._lock:
            times = [e.at for e in self._expiries.values()]
        return max(0.0, min(times) - now) if times else None


def _steps_changed(
    tracked: TrackedRun, due: float, step: Mapping[str, Any] | None = None, arrived: float = 0.0
) -> None:
    """A step event: the run's steps are wanted by `due`, from the event's `step` or (None, or
    too many waiting) a listing; one whose execution is not known yet gets them at its first
    look (hold the lock)."""
    if step is not None and len(tracked.step_events) < STEP_EVENTS_MAX:
        tracked.step_events.append((arrived, step))
    else:
        tracked.steps_unknown = True
    if tracked.execution is not None:
        _ask_for_steps(tracked, due)


def _execution_changed(tracked: TrackedRun, group: RunGroup, status: str | None, due: float) -> None:
    """An execution event: its group's listing is wanted by `due` (surviving a poll in flight),
    unless its status is the one last seen or the run's phase already (hold the lock)."""
    if status is not None and status in (tracked.last_seen_status, tracked.run.status.phase):
        return
    group.next_poll = min(group.next_poll, due)
    group.hinted = due if group.hinted is None else min(group.hinted, due)


def _ask_for_steps(tracked: TrackedRun, due: float) -> None:
    """The run's steps are wanted by `due`, or earlier if they already were (hold the lock)."""
    tracked.steps_due = due if tracked.steps_due is None else min(tracked.steps_due, due)
