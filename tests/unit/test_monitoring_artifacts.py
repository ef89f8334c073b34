"""The generated monitoring files match their Python sources, the chart's dashboard copy equals
the manifest, and rules, dashboard and runbooks agree with each other and with metrics.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from sagemaker_pipelines_operator import metrics
from sagemaker_pipelines_operator.observability import alerts, artifacts, dashboard

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "docs/runbooks.md"


def test_generated_files_are_up_to_date() -> None:
    assert artifacts.stale(ROOT) == [], "run `make monitoring` and commit the result"


def test_chart_dashboard_is_the_manifest_dashboard() -> None:
    chart = (ROOT / artifacts.CHART_DASHBOARD_FILE).read_bytes()
    assert chart == (ROOT / artifacts.DASHBOARD_FILE).read_bytes()


def test_stale_reports_an_edited_file_and_write_repairs_it(tmp_path: Path) -> None:
    assert artifacts.write(tmp_path) == list(artifacts.GENERATED)
    (tmp_path / artifacts.RULES_FILE).write_text("groups: []\n")
    assert artifacts.stale(tmp_path) == [artifacts.RULES_FILE]
    assert artifacts.main(["--root", str(tmp_path), "--check"]) == 1
    assert artifacts.main(["--root", str(tmp_path)]) == 0
    assert artifacts.stale(tmp_path) == []


def runbook_anchors() -> set[str]:
    # GitHub's anchors: lower-cased heading text, spaces to dashes, punctuation dropped.
    headings = re.findall(r"^## (.+)$", RUNBOOKS.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_alert_has_a_runbook_section() -> None:
    anchors = runbook_anchors()
    for rule in alerts.RULES:
        assert rule.runbook in anchors, f"docs/runbooks.md has no section for {rule.name}"
    assert len({r.runbook for r in alerts.RULES}) == len(alerts.RULES)


@pytest.mark.parametrize("rule", alerts.RULES, ids=lambda r: r.name)
def test_runbook_sections_cover_meaning_impact_diagnosis_mitigation(rule: alerts.AlertRule) -> None:
    text = RUNBOOKS.read_text()
    start = text.index(f"## {rule.name}")
    section = text[start : text.find("\n## ", start + 1)]
    for part in ("Meaning", "Impact", "Diagnosis", "Mitigation"):
        assert f"**{part}**" in section, f"{rule.name}: no {part}"
    assert "kubectl" in section


def metric_names_in(expr: str) -> set[str]:
    return set(re.findall(r"\b(smpo_[a-z_]+)", expr))


def exported_names() -> set[str]:
    names: set[str] = set()
    for family in metrics.REGISTRY.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + s for s in ("_bucket", "_sum", "_count"))
        if family.type == "info":
            names.add(family.name + "_info")
    return names


def test_rules_and_dashboard_use_only_metrics_that_exist() -> None:
    exprs = [r.expr for r in alerts.RULES] + dashboard.expressions()
    used = set().union(*(metric_names_in(e) for e in exprs))
    assert used - exported_names() == set()
    assert len(used) >= 12


def test_rules_file_is_a_rule_group_with_every_alert() -> None:
    data = yaml.safe_load(alerts.render_rules_file(job_selector='job="x"'))
    (group,) = data["groups"]
    assert [r["alert"] for r in group["rules"]] == [r.name for r in alerts.RULES]
    assert all(r["annotations"]["summary"] and r["annotations"]["description"] for r in group["rules"])
    assert 'up{job="x"} == 0' in [r["expr"] for r in group["rules"]]


def test_for_overrides_change_only_the_named_alerts_and_reject_unknown_names() -> None:
    group = alerts.rule_group(for_overrides={"PipelineNotReady": "1s"})
    fors = {r["alert"]: r["for"] for r in group["rules"]}  # type: ignore[attr-defined]
    assert fors["PipelineNotReady"] == "1s"
    assert fors["SmpoOperatorDown"] == "5m"
    with pytest.raises(KeyError, match="NoSuchAlert"):
        alerts.rule_group(for_overrides={"NoSuchAlert": "1s"})


def test_chart_template_escapes_prometheus_templating_for_helm() -> None:
    template = alerts.render_prometheusrule_template()
    assert "{{`{{ $labels.namespace }}`}}" in template
    assert not re.search(r"(?<!`)\{\{ \$labels", template)
    assert "up{ {{- $job -}} } == 0" in template


def test_dashboard_is_grafana_json_with_unique_ids_and_targets() -> None:
    model = json.loads((ROOT / artifacts.DASHBOARD_FILE).read_text())
    assert model["uid"] == dashboard.UID
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids))
    panels = [p for p in model["panels"] if p["type"] != "row"]
    assert all(p["targets"] and all(t["expr"] and t["refId"] for t in p["targets"]) for p in panels)
    assert {v["name"] for v in model["templating"]["list"]} == {"datasource", "job", "namespace", "pipeline"}
    for panel in model["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24


@pytest.mark.parametrize("expr", dashboard.expressions())
def test_dashboard_expressions_become_plain_promql(expr: str) -> None:
    query = dashboard.as_prometheus_query(expr)
    assert "$" not in query


def test_unknown_grafana_variables_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown Grafana variable"):
        dashboard.as_prometheus_query('smpo_resources{kind=~"$kind"}')
