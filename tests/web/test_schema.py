"""Schemathesis against the app's own OpenAPI schema: whatever it generates, valid or not, the
server answers without a 5xx, with a status the schema lists, and a body that fits the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(web_model_path, mnist, mode):
    """Every operation, with valid (positive) and invalid (negative) generated requests.

    Drives schemathesis' Hypothesis strategies directly rather than through its pytest plugin,
    which depends on pytest internals that change between pytest releases.
    """
    from digitnet.web import create_app

    # Training runs that the generated requests start learn from 300 real digits: quick.
    app = create_app(web_model_path, data=mnist.subset(slice(0, 300), "train"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7

    for operation in operations:
        inputs = len(operation.body) + len(operation.path_parameters) + len(operation.query)
        if mode is GenerationMode.NEGATIVE and not inputs:
            continue  # nothing to make invalid (GET /api/model takes no input)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code < 500
            if response.status_code >= 400:
                body = response.json()
                assert list(body) == ["error"] and body["error"]

        check()


def test_schema_documents_every_endpoint_and_both_predict_bodies(web_model_path):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path)) as c:
        spec = c.get("/openapi.json").json()
        assert c.get("/docs").status_code == 200
    paths = spec["paths"]
    assert set(paths) == {"/api/predict", "/api/model", "/api/neuron/{layer}/{index}",
                          "/api/train", "/api/train/events"}
    predict = paths["/api/predict"]["post"]
    assert set(predict["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert set(predict["responses"]) >= {"200", "413", "415", "422"}
    pixels = predict["requestBody"]["content"]["application/json"]["schema"]["properties"]["pixels"]
    assert pixels["items"]["items"] == {"maximum": 1, "minimum": 0, "type": "number"}
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(paths["/api/train"]) == {"get", "post", "delete"}
