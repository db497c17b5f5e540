"""What every API surface shares: correlation ids, JSON errors, health, docs."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client

from audit.models import ChangeRecord

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_correlation_id_is_echoed_when_sent(client):
    response = client.get("/healthz", HTTP_X_CORRELATION_ID="req-42")
    assert response["X-Correlation-ID"] == "req-42"


def test_correlation_id_is_generated_when_missing_or_unsafe(client):
    generated = client.get("/healthz")["X-Correlation-ID"]
    assert len(generated) == 32 and generated.isalnum()
    unsafe = client.get("/healthz", HTTP_X_CORRELATION_ID="<script>")["X-Correlation-ID"]
    assert unsafe != "<script>" and len(unsafe) == 32


def test_correlation_id_reaches_error_bodies_and_change_records(make_caller):
    api = make_caller(["audit.add_auditcontext"]).basic()
    ok = api.post("/v1.0/auditcontext/generate", {}, format="json", HTTP_X_CORRELATION_ID="c-1")
    assert ChangeRecord.objects.get(object_id=str(ok.json())).correlation_id == "c-1"
    bad = api.post("/v1.0/auditcontext/generate", {"PersonIds": 1}, format="json",
                   HTTP_X_CORRELATION_ID="c-2")
    assert bad.json()["CorrelationId"] == "c-2"


def test_correlation_id_is_in_log_lines(make_caller):
    import logging

    from foundation.api.correlation import CorrelationIdLogFilter

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__()
            self.lines = []

        def emit(self, record):
            self.lines.append(record)

    handler = Keep()
    handler.addFilter(CorrelationIdLogFilter())
    logging.getLogger("django.request").addHandler(handler)
    try:
        make_caller([]).basic().post("/v1.0/auditcontext/generate", {}, format="json",
                                      HTTP_X_CORRELATION_ID="log-7")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert handler.lines, "the 403 should be logged"
    assert {r.correlation_id for r in handler.lines} == {"log-7"}


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    "path, content_type, key",
    [
        ("/api/nothing-here", "application/problem+json", "detail"),
        ("/v2.0/nothing-here", "application/json", "Message"),
        ("/eidm2/services/x", None, None),
    ],
)
def test_unknown_api_path_is_a_json_404(client, settings, debug, path, content_type, key):
    settings.DEBUG = debug
    response = client.get(path)
    assert response.status_code == 404
    assert "html" not in response["Content-Type"]
    if content_type:
        assert response["Content-Type"] == content_type
        assert key in response.json()


@pytest.mark.urls("tests.api.urls_boom")
@pytest.mark.parametrize(
    "path, key", [("/api/boom", "detail"), ("/v1.0/boom", "Message"), ("/api/plain-boom", None)]
)
def test_a_crash_is_a_json_500_without_a_trace(settings, path, key):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    assert "html" not in response["Content-Type"]
    assert b"secret internal detail" not in response.content
    assert b"Traceback" not in response.content
    if key:
        assert "Internal server error" in response.json()[key]


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_does_not_answer(client):
    with mock.patch("config.views.connection.cursor", side_effect=OSError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_openapi_schema_documents_security_and_error_shapes(client):
    response = client.get("/apidoc/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["basicAuth"]["scheme"] == "basic"
    op = schema["paths"]["/v2.0/tenants/{tenantKey}/auditcontext/generate"]["post"]
    assert "requestBody" in op
    assert op["responses"]["200"]["content"]["application/json"]["schema"]
    assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AdditivError")


def test_openapi_schema_documents_the_token_endpoint(client):
    schema = client.get("/apidoc/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/oauth/token/", "/connect/token"):
        operation = schema["paths"][path]["post"]
        assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("path", ["/apidoc/", "/apidoc/redoc/", "/admin/login/"])
def test_pages_render(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"<html" in response.content.lower()


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},
        "DEBUG": "0",
        "SECRET_KEY": "k9!Vq2#zL7@pX4$wR8^tY1&uB6*nM3(cE5)hJ0_gF-sD=aQ+iO",
        "ALLOWED_HOSTS": "tessera.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_request_scope_does_not_outlive_the_request(make_caller):
    from audit import context as scope

    make_caller(["audit.add_auditcontext"]).basic().post(
        "/v1.0/auditcontext/generate", {}, format="json", HTTP_X_CORRELATION_ID="gone")
    assert scope.correlation_id() == "" and scope.current().actor is None
