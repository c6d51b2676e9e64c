"""The schema of GET /api/model documents what its ``metadata.input`` and ``metadata.data`` hold
(what the model reads, what it was trained on): every field a real model of each kind records
there is named in the OpenAPI descriptions that /docs shows."""

from __future__ import annotations

import pytest
from real_data import wine_csv


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    """A network trained on scikit-learn's wine table (as CSV), saved to a file."""
    import digitnet

    root = tmp_path_factory.mktemp("metadata-docs")
    result = digitnet.train(str(wine_csv(root / "wine.csv")), epochs=5)
    path = root / "wine.safetensors"
    digitnet.save(result.network, path)
    return path


@pytest.mark.parametrize("kind", ["images", "audio", "table"])
def test_the_schema_names_every_field_a_model_records_of_its_input_and_data(
        kind, request, web_model_path):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    model = {"images": web_model_path, "audio": request.getfixturevalue("speech_model"),
             "table": request.getfixturevalue("table_model")}[kind]
    with TestClient(create_app(model, data=None)) as c:
        spec = c.get("/openapi.json").json()
        metadata = c.get("/api/model").json()["metadata"]
    schemas = spec["components"]["schemas"]
    assert schemas["ModelResponse"]["properties"]["metadata"]["$ref"].endswith("/ModelMetadata")
    documented = schemas["ModelMetadata"]["properties"]
    reads, learned = documented["input"]["description"], documented["data"]["description"]

    assert metadata["input"]["kind"] == kind and f'"{kind}"' in reads
    assert [key for key in metadata["input"] if f"`{key}`" not in reads] == []
    recorded = [*metadata["data"], *metadata["data"]["train"]]
    assert [key for key in recorded if f"`{key}`" not in learned] == []
