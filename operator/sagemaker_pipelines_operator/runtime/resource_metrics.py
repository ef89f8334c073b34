"""Every watch event of the three kinds, status writes and the initial listing included: it proves
the stream alive (liveness), and it feeds smpo_resources, whose tally also tells liveness whether
events are due (a Ready Pipeline's resync writes status)."""

from __future__ import annotations

from typing import Any

import kopf

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api.kinds import KINDS
from sagemaker_pipelines_operator.runtime.context import OperatorContext


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    tally = ctx.resource_tally
    if ctx.clock is not None:
        ctx.clock.expect_events_while(lambda: tally.count(("Pipeline", "Ready")) > 0)

    @kopf.on.cleanup(registry=registry)  # async: the handler pool is closed by now (HandlerExecutor)
    async def forget_all(**_: Any) -> None:
        tally.forget_all()

    for kind in KINDS:

        @kopf.on.event(GROUP, kind.plural, id=f"resource_metrics_{kind.singular}", registry=registry)
        def count(event: kopf.RawEvent, body: kopf.Body, *, _kind: str = kind.kind, **_: Any) -> None:
            if ctx.clock is not None:
                ctx.clock.touch()
            uid = str(body.metadata.uid)
            if event.get("type") == "DELETED":
                tally.forget(uid)
            else:
                tally.observe_status(_kind, uid, body.get("status"))
