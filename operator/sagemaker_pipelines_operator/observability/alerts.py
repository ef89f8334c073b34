"""Every alert rule of the operator, in one table, rendered as a plain Prometheus rules file
(manifests/monitoring/prometheus-rules.yaml) and as the chart's PrometheusRule template."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

GROUP_NAME = "sagemaker-pipelines-operator"
DEFAULT_JOB_SELECTOR = 'job=~".*sagemaker-pipelines-operator.*"'
"""Label matchers that select the operator's scrape targets in `up` (the only non-smpo_ series)."""
DEFAULT_RUNBOOK_BASE_URL = (
    "https://github.com/sagemaker-pipelines-operator/sagemaker-pipelines-operator/blob/main/docs/runbooks.md"
)
_JOB = "{job_selector}"


@dataclass(frozen=True)
class AlertRule:
    """One alert. `expr` may contain {job_selector}; summary and description are Prometheus
    templates ($labels, $value); `runbook` is the anchor of its section in docs/runbooks.md."""

    name: str
    expr: str
    for_: str
    severity: str
    summary: str
    description: str
    runbook: str


RULES: tuple[AlertRule, ...] = (
    AlertRule(
        name="SmpoOperatorDown",
        expr="up{" + _JOB + "} == 0",
        for_="5m",
        severity="critical",
        summary="The SageMaker Pipelines operator cannot be scraped",
        description=(
            "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 "
            "minutes: the operator process is down, crash-looping or unreachable, and Pipelines and "
            "PipelineRuns are not being reconciled."
        ),
        runbook="smpooperatordown",
    ),
    AlertRule(
        name="SmpoOperatorAbsent",
        expr="absent(up{" + _JOB + "})",
        for_="10m",
        severity="critical",
        summary="No SageMaker Pipelines operator target is being scraped",
        description=(
            "Prometheus has no scrape target matching the operator's job for 10 minutes: the "
            "Deployment is gone or scaled to zero, or its Service/ServiceMonitor no longer matches."
        ),
        runbook="smpooperatorabsent",
    ),
    AlertRule(
        name="SmpoReconcileErrors",
        expr='sum by (kind) (increase(smpo_reconcile_total{result=~"error|transient"}[5m])) > 0',
        for_="15m",
        severity="warning",
        summary="{{ $labels.kind }} reconciles keep failing",
        description=(
            "{{ $labels.kind }} reconcile passes have kept failing for 15 minutes "
            "({{ $value | humanize }} in the last 5 minutes): unexpected errors, or SageMaker or "
            "API server failures that retries do not clear."
        ),
        runbook="smporeconcileerrors",
    ),
    AlertRule(
        name="PipelineNotReady",
        expr="max by (namespace, pipeline) (smpo_pipeline_ready) == 0",
        for_="15m",
        severity="warning",
        summary="Pipeline {{ $labels.namespace }}/{{ $labels.pipeline }} is not Ready",
        description=(
            "Pipeline {{ $labels.namespace }}/{{ $labels.pipeline }} has not been Ready for 15 "
            "minutes: its definition is not applied to SageMaker, so new runs of it wait or use a "
            "stale definition."
        ),
        runbook="pipelinenotready",
    ),
    AlertRule(
        name="PipelineRunFailed",
        expr=(
            "sum by (namespace, pipeline) "
            '(increase(smpo_pipeline_run_completions_total{phase="Failed"}[10m])) > 0'
        ),
        for_="0m",
        severity="warning",
        summary="A run of pipeline {{ $labels.namespace }}/{{ $labels.pipeline }} failed",
        description=(
            "A PipelineRun of {{ $labels.namespace }}/{{ $labels.pipeline }} ended Failed in the "
            "last 10 minutes (after its retries, if any)."
        ),
        runbook="pipelinerunfailed",
    ),
    AlertRule(
        name="PipelineNoRecentSuccess",
        expr=(
            "time() - max by (namespace, pipeline) (smpo_pipeline_last_success_timestamp_seconds)\n"
            "  > max by (namespace, pipeline) (smpo_pipeline_expected_success_interval_seconds)"
        ),
        for_="5m",
        severity="warning",
        summary="Pipeline {{ $labels.namespace }}/{{ $labels.pipeline }} has not succeeded in time",
        description=(
            "The last successful run of {{ $labels.namespace }}/{{ $labels.pipeline }} ended "
            "{{ $value | humanizeDuration }} ago, longer than its expected-success-interval "
            "annotation allows: models or data it produces are getting stale."
        ),
        runbook="pipelinenorecentsuccess",
    ),
    AlertRule(
        name="SageMakerThrottling",
        expr="sum by (operation) (increase(smpo_sagemaker_throttles_total[5m])) > 30",
        for_="15m",
        severity="warning",
        summary="SageMaker throttles {{ $labels.operation }} calls",
        description=(
            "SageMaker has throttled {{ $labels.operation }} for 15 minutes "
            "({{ $value | humanize }} throttles in the last 5 minutes): status updates and starts "
            "are delayed; the account's API limit is shared with other clients or set too low."
        ),
        runbook="sagemakerthrottling",
    ),
    AlertRule(
        name="PipelineTriggerNotReady",
        expr="max by (namespace, trigger) (smpo_trigger_ready) == 0",
        for_="15m",
        severity="warning",
        summary="PipelineTrigger {{ $labels.namespace }}/{{ $labels.trigger }} is not Ready",
        description=(
            "PipelineTrigger {{ $labels.namespace }}/{{ $labels.trigger }} has not been Ready for 15 "
            "minutes: its source (queue, endpoint, upstream Pipeline) cannot be read, so events wait "
            "or are lost and no retraining runs start."
        ),
        runbook="pipelinetriggernotready",
    ),
    AlertRule(
        name="PipelineTriggerEventsDropped",
        expr=(
            "sum by (namespace, trigger, outcome) "
            '(increase(smpo_trigger_events_total{outcome=~"dropped_.*"}[10m])) > 0'
        ),
        for_="0m",
        severity="warning",
        summary="PipelineTrigger {{ $labels.namespace }}/{{ $labels.trigger }} dropped events",
        description=(
            "PipelineTrigger {{ $labels.namespace }}/{{ $labels.trigger }} dropped "
            "{{ $value | humanize }} events in the last 10 minutes ({{ $labels.outcome }}): they "
            "started no run."
        ),
        runbook="pipelinetriggereventsdropped",
    ),
    AlertRule(
        name="SmpoWatchStalled",
        # Silence is a stall only while a Ready Pipeline is in scope: its drift resync writes
        # status every --resync-seconds, and those writes come back as watch events.
        expr=(
            "time() - smpo_watch_last_event_timestamp_seconds > 900\n"
            "  and smpo_watch_last_event_timestamp_seconds > 0\n"
            "  and on (job, instance)\n"
            '    sum by (job, instance) (smpo_resources{kind="Pipeline", condition="Ready"}) > 0'
        ),
        for_="5m",
        severity="warning",
        summary="The operator {{ $labels.instance }} receives no watch events",
        description=(
            "No Kubernetes watch event reached {{ $labels.instance }} for "
            "{{ $value | humanizeDuration }}: its watch streams are likely stalled, so changes to "
            "resources go unnoticed. The liveness probe should have restarted it."
        ),
        runbook="smpowatchstalled",
    ),
)


def _check(for_overrides: Mapping[str, str]) -> None:
    unknown = set(for_overrides) - {r.name for r in RULES}
    if unknown:
        raise KeyError(f"no alert named {', '.join(sorted(unknown))}")


def rule_group(
    job_selector: str = DEFAULT_JOB_SELECTOR,
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL,
    for_overrides: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """The rule group as data (for tests that write their own rules file, e.g. with short `for`)."""
    overrides = dict(for_overrides or {})
    _check(overrides)
    rules = [
        {
            "alert": r.name,
            "expr": r.expr.replace(_JOB, job_selector),
            "for": overrides.get(r.name, r.for_),
            "labels": {"severity": r.severity},
            "annotations": {
                "summary": r.summary,
                "description": r.description,
                "runbook_url": f"{runbook_base_url}#{r.runbook}",
            },
        }
        for r in RULES
    ]
    return {"name": GROUP_NAME, "rules": rules}


def _rules_yaml(group: Mapping[str, object], indent: str, escape: bool) -> str:
    """The group's YAML by hand, so expressions stay readable block scalars and every string is
    double-quoted (JSON strings are valid YAML)."""

    def q(text: str) -> str:
        return json.dumps(_helm_escape(text) if escape else text, ensure_ascii=False)

    lines = [f"{indent}- name: {group['name']}", f"{indent}  rules:"]
    rules = group["rules"]
    assert isinstance(rules, list)
    for rule in rules:
        lines.append(f"{indent}    - alert: {rule['alert']}")
        lines.append(f"{indent}      expr: |-")
        lines.extend(f"{indent}        {line}" for line in rule["expr"].splitlines())
        lines.append(f"{indent}      for: {rule['for']}")
        lines.append(f"{indent}      labels:")
        lines.append(f"{indent}        severity: {rule['labels']['severity']}")
        lines.append(f"{indent}      annotations:")
        for key, value in rule["annotations"].items():
            rendered = f'"{value}"' if escape and key == "runbook_url" else q(value)
            lines.append(f"{indent}        {key}: {rendered}")
    return "\n".join(lines) + "\n"


_PROM_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")


def _helm_escape(text: str) -> str:
    # Prometheus' {{ $labels.x }} would be evaluated by Helm; a raw-string literal passes it on.
    return _PROM_TEMPLATE.sub(lambda m: "{{`{{" + m.group(1) + "}}`}}", text)


HEADER = (
    "# Generated by `make monitoring` from "
    "operator/sagemaker_pipelines_operator/observability/alerts.py; do not edit.\n"
)


def render_rules_file(
    job_selector: str = DEFAULT_JOB_SELECTOR,
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL,
    for_overrides: Mapping[str, str] | None = None,
) -> str:
    """A plain Prometheus rules file (rule_files:) with every alert."""
    group = rule_group(job_selector, runbook_base_url, for_overrides)
    return HEADER + "groups:\n" + _rules_yaml(group, "  ", escape=False)


def render_prometheusrule_template() -> str:
    """The chart's templates/prometheusrule.yaml: the same rules in a PrometheusRule, with the job
    selector and runbook base URL taken from values (prometheus.rule.*)."""
    group = rule_group("__JOB_SELECTOR__", "__RUNBOOK_BASE__")
    body = _rules_yaml(group, "    ", escape=True)
    # `up{ {{- $job -}} }`: "up{{{" would open a Helm action one brace early.
    body = body.replace("__JOB_SELECTOR__", " {{- $job -}} ")
    body = body.replace("__RUNBOOK_BASE__", "{{ $runbooks }}")
    return (
        "{{- /* " + HEADER.strip().lstrip("# ") + " */ -}}\n"
        "{{- with .Values.prometheus.rule }}\n"
        "{{- if .enabled }}\n"
        '{{- $job := .jobSelector | default (printf "job=%q" (include "smpo.fullname" $)) }}\n'
        f'{{{{- $runbooks := .runbookBaseURL | default "{DEFAULT_RUNBOOK_BASE_URL}" }}}}\n'
        "apiVersion: monitoring.coreos.com/v1\n"
        "kind: PrometheusRule\n"
        "metadata:\n"
        '  name: {{ include "smpo.fullname" $ }}\n'
        "  namespace: {{ $.Release.Namespace }}\n"
        "  labels:\n"
        '    {{- include "smpo.labels" $ | nindent 4 }}\n'
        "    {{- with .labels }}\n"
        "    {{- toYaml . | nindent 4 }}\n"
        "    {{- end }}\n"
        "spec:\n"
        "  groups:\n" + body + "{{- end }}\n{{- end }}\n"
    )
