"""The shipped deployment files agree with the code: they parse, the Kubernetes objects point at
the port and paths the controller serves, the alerts name metrics it exports, and the image
runs `tenantctl run` as a non-root user with git. (No container engine runs here: building the
image and applying the manifests are not tested.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from controller.loop.http import Views, create_app
from controller.loop.metrics import ControllerMetrics
from tests.e2e.conftest import REPO

KUBERNETES = REPO / "deploy" / "kubernetes"
PORT = 9108
ISSUE_METRICS = {
    "tenantctl_cycles_total",
    "tenantctl_cycle_duration_seconds_bucket",
    "tenantctl_last_success_timestamp_seconds",
    "tenantctl_revision_valid",
    "tenantctl_tenants",
    "tenantctl_apply_actions_total",
    "tenantctl_drifted_tenants",
    "tenantctl_neon_requests_total",
    "tenantctl_neon_rate_limited_total",
    "tenantctl_tenant_usage_ratio",
    "tenantctl_tenants_over_limit",
    "tenantctl_tenants_at_warning",
}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def manifests() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in (load(p) for p in sorted(KUBERNETES.glob("*.yaml")))}


def exported_series() -> set[str]:
    """Every series name the controller's registry can export."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    return {
        family.name + suffix
        for family in ControllerMetrics().registry.collect()
        for suffix in suffixes.get(family.type, ("",))
    }


def served_paths() -> set[str]:
    views = Views(alive=bool, ready=bool, status=dict, metrics=bytes)  # type: ignore[arg-type]
    return {route.path for route in create_app(views).routes}  # type: ignore[attr-defined]


def test_every_metric_the_issue_names_is_exported() -> None:
    assert exported_series() >= ISSUE_METRICS


def test_the_deployment_runs_one_controller_at_a_time_on_the_served_port() -> None:
    objects = manifests()
    assert set(objects) == {"Deployment", "Secret", "Service", "ServiceMonitor", "PrometheusRule"}
    deployment = objects["Deployment"]["spec"]
    assert deployment["replicas"] == 1
    assert deployment["strategy"] == {"type": "Recreate"}
    pod = deployment["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 30  # the stop takes at most 20 s + 5 s
    (container,) = pod["containers"]
    args = container["args"]
    assert args[args.index("--listen") + 1] == f"0.0.0.0:{PORT}"
    assert container["ports"] == [{"name": "metrics", "containerPort": PORT}]
    probes = {container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")}
    assert probes == {"/healthz", "/readyz"} <= served_paths()
    (secret_ref,) = container["envFrom"]
    assert secret_ref["secretRef"]["name"] == objects["Secret"]["metadata"]["name"]
    assert "NEON_API_KEY" in objects["Secret"]["stringData"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_the_service_and_servicemonitor_reach_the_metrics_endpoint() -> None:
    objects = manifests()
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = objects["Service"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"] == [{"name": "metrics", "port": PORT, "targetPort": "metrics"}]
    monitor = objects["ServiceMonitor"]["spec"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")
    assert "/metrics" in served_paths()


def test_the_alerts_name_real_metrics_and_match_the_prometheus_rules_file() -> None:
    rule = manifests()["PrometheusRule"]
    plain = load(REPO / "deploy" / "prometheus" / "alerts.yml")
    assert rule["spec"]["groups"] == plain["groups"]
    alerts = {r["alert"]: r["expr"] for g in plain["groups"] for r in g["rules"]}
    assert {"TenantctlCycleFailing", "TenantctlInvalidRevision", "TenantctlTenantOverLimit"} <= set(
        alerts
    )
    named = {name for expr in alerts.values() for name in re.findall(r"tenantctl_[a-z_]+", expr)}
    assert named <= exported_series(), named - exported_series()


def test_compose_runs_the_controller_against_the_emulator_with_prometheus_scraping_it() -> None:
    services = load(REPO / "docker-compose.yaml")["services"]
    assert services["emulator"]["entrypoint"] == ["tenantctl", "emulator"]
    emulator = services["emulator"]["command"]
    emulator_port = emulator[emulator.index("--port") + 1]
    controller = services["controller"]
    assert controller["environment"]["NEON_API_HOST"] == f"http://emulator:{emulator_port}/api/v2"
    command = controller["command"]
    assert command[command.index("--listen") + 1] == f"0.0.0.0:{PORT}"
    prometheus = load(REPO / "deploy" / "prometheus" / "prometheus.yml")
    (job,) = prometheus["scrape_configs"]
    assert job["static_configs"] == [{"targets": [f"controller:{PORT}"]}]
    assert job["metrics_path"] == "/metrics"
    mounted = " ".join(services["prometheus"]["volumes"])
    assert "deploy/prometheus/prometheus.yml" in mounted
    assert "deploy/prometheus/alerts.yml" in mounted


def test_the_image_runs_tenantctl_run_as_a_non_root_user_with_git() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    final_stage = dockerfile.split("\nFROM ")[-1]
    assert 'ENTRYPOINT ["tenantctl", "run"]' in final_stage
    assert re.search(r"^USER 10001", final_stage, re.MULTILINE)
    assert re.search(r"apt-get install [^\n]*\bgit\b", final_stage)
    assert f"EXPOSE {PORT}" in final_stage
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {"!pyproject.toml", "!README.md", "!controller/"} <= set(ignored)
