"""The emulator as one object: configuration, per-region state, the engine and its scheduler,
traffic bookkeeping. The HTTP layer (server.py) and the admin API act on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_emulator.config import EmulatorConfig, apply_update
from sagemaker_pipelines_emulator.engine import Engine
from sagemaker_pipelines_emulator.events import EventSink
from sagemaker_pipelines_emulator.scheduler import Scheduler
from sagemaker_pipelines_emulator.state import ACTIVE, RegionState
from sagemaker_pipelines_emulator.traffic import Traffic


class Emulator:
    def __init__(
        self,
        config: EmulatorConfig,
        loop: asyncio.AbstractEventLoop,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        """The one wall clock: operations' `Context.now` and the engine's timestamps."""
        self.base_config = config
        self.config = apply_update(config, {})
        self.scheduler = Scheduler(loop)
        self.events = EventSink(config.events_path, config.events_queue_url)
        self.engine = Engine(self.scheduler, lambda: self.config, self.events, self.clock)
        self.regions: dict[str, RegionState] = {}
        self.traffic = Traffic(config.call_log_size)
        self.traffic.seed(self.config.fault_seed)
        self.executions_started = 0

    def region(self, name: str) -> RegionState:
        state = self.regions.get(name)
        if state is None:
            state = self.regions[name] = RegionState(name)
        return state

    def reset(self) -> None:
        """Forget everything and return to the configuration the emulator started with."""
        self.scheduler.clear()
        self.regions.clear()
        self.config = apply_update(self.base_config, {})
        self.events.point_at(self.config.events_path, self.config.events_queue_url)
        self.engine = Engine(self.scheduler, lambda: self.config, self.events, self.clock)
        self.traffic.reset(self.config.call_log_size)
        self.traffic.seed(self.config.fault_seed)
        self.executions_started = 0

    def configure(self, update: dict[str, Any]) -> EmulatorConfig:
        self.config = apply_update(self.config, update)
        self.events.point_at(self.config.events_path, self.config.events_queue_url)
        self.traffic.resize(self.config.call_log_size)
        if "fault_seed" in update:
            self.traffic.seed(self.config.fault_seed)
        return self.config

    def counters(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for state in self.regions.values():
            for execution in state.executions.values():
                statuses[execution.status] = statuses.get(execution.status, 0) + 1
        return {
            "operations": self.traffic.counters_json(),
            "executions": {
                "started": self.executions_started,
                "active": self.engine.active,
                "peak_active": self.engine.peak_active,
                "by_status": statuses,
            },
            "steps_started": self.engine.steps_started,
            "scheduled_transitions": len(self.scheduler),
            "pipelines": sum(len(state.pipelines) for state in self.regions.values()),
        }

    def active_executions(self) -> int:
        return sum(
            1 for state in self.regions.values() for ex in state.executions.values() if ex.status in ACTIVE
        )


@dataclass
class Context:
    """What an operation handler sees: the emulator, the caller's region and the time of the call."""

    emulator: Emulator
    region: str
    now: float

    @property
    def state(self) -> RegionState:
        return self.emulator.region(self.region)

    @property
    def account(self) -> str:
        return self.emulator.config.account_id

    @property
    def engine(self) -> Engine:
        return self.emulator.engine
