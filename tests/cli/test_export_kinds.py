"""`digitnet export` for each kind of input (images, tables, recordings): the ONNX file and the
command say truly what the input is, checked by running the file on real examples made that way;
and an --out whose name contradicts --format is refused."""

from __future__ import annotations

import json
import textwrap
import warnings

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv

from digitnet import audio, inputs, modelfile

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _run_onnx(path, rows) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": np.asarray(rows, np.float32)})[0]


def test_a_speech_models_onnx_file_takes_the_recordings_picture(
        run, speech_model, speech_unheard_recordings, tmp_path):
    out = tmp_path / "speech.onnx"
    r = run("export", speech_model, "--format", "onnx", "--out", out)
    assert r.exit_code == 0, r.output
    net = modelfile.load(speech_model)
    front_end = inputs.of(net)
    picture = f"{front_end.bands}x{front_end.frames} log-mel picture"
    # The command's note and the file's description say what the input is, and where the
    # front end's settings are; nothing about a table or a standardisation.
    assert picture in r.stdout and "digitnet.audio.picture" in r.stdout, r.stdout
    model = onnx.load(str(out))
    assert picture in model.doc_string and "metadata 'input'" in model.doc_string
    assert "table" not in model.doc_string and "standardis" not in model.doc_string
    recorded = json.loads({p.key: p.value for p in model.metadata_props}["input"])
    assert inputs.from_dict(recorded) == front_end  # the settings to make the picture with
    assert not {"Sub", "Div"} & {node.op_type for node in model.graph.node}
    # And it is so: the pictures digitnet's front end makes, row by row as brightness 0..1,
    # give digitnet's own probabilities.
    pictures = np.stack([audio.picture(f, front_end) for f in speech_unheard_recordings])
    rows = pictures.reshape(len(pictures), -1) / 255
    np.testing.assert_allclose(_run_onnx(out, rows),
                               net.probabilities(front_end.rows(pictures)), atol=1e-5)


def test_a_deskewing_image_models_onnx_file_says_to_deskew_first(
        run, trained, real_digit_images, tmp_path):
    out = tmp_path / "digits.onnx"
    assert run("export", trained[0], "--format", "onnx", "--out", out).exit_code == 0
    net = modelfile.load(trained[0])
    record = inputs.of(net)
    assert record.deskew  # the default recipe deskews
    doc = onnx.load(str(out)).doc_string
    assert doc.startswith("input: 28x28 pixels row by row") and "digitnet.inputs.deskew" in doc
    images, _ = real_digit_images
    rows = inputs.deskew(images).reshape(len(images), -1) / 255
    np.testing.assert_allclose(_run_onnx(out, rows), net.probabilities(record.rows(images)),
                               atol=1e-5)


def test_export_help_describes_each_kind_of_input(run):
    text = " ".join(run("export", "--help").output.split())
    for kind in ("images:", "recordings:", "tables:"):
        assert kind in text
    assert "log-mel picture" in text and "digitnet.audio.picture" in text


def test_an_unstandardised_table_is_not_said_to_be_standardised(tmp_path):
    """A scikit-learn MLP fitted on wine's raw columns (no scaler): its ONNX file takes them as
    they are, and says so."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    import digitnet
    from digitnet.interop.export import export

    wine = sklearn_table("wine")
    clf = MLPClassifier((16,), max_iter=50, random_state=0)
    with warnings.catch_warnings():  # unscaled, it has not converged in 50 iterations: no matter
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(wine.data, wine.target)
    net = digitnet.from_sklearn(clf)
    assert inputs.of(net).mean is None
    model = onnx.load(str(export(net, tmp_path / "raw.onnx", "onnx")))
    assert "not standardised" in model.doc_string and "in the graph" not in model.doc_string
    assert not {"Sub", "Div"} & {node.op_type for node in model.graph.node}
    np.testing.assert_allclose(_run_onnx(tmp_path / "raw.onnx", wine.data),
                               clf.predict_proba(wine.data), atol=1e-5)


def test_a_table_models_torch_export_says_to_standardise_the_columns(run, tmp_path):
    torch = pytest.importorskip("torch")
    csv = wine_csv(tmp_path / "wine.csv")
    model = tmp_path / "wine.safetensors"
    assert run("train", "--data", csv, "--hidden", "16", "--epochs", "20",
               "--out", model).exit_code == 0
    r = run("export", model, "--format", "torch", "--out", tmp_path / "wine.torch.safetensors")
    assert r.exit_code == 0, r.output
    assert "standardised columns: (value - mean) / std" in r.stdout, r.stdout
    # The note is true: the printed module on (value - mean) / std gives digitnet's answers.
    namespace = {}
    exec(textwrap.dedent(r.stdout.split("Load it with:\n")[1]), namespace)
    net = modelfile.load(model)
    table = inputs.of(net)
    x = sklearn_table("wine").data
    with torch.no_grad():
        got = namespace["model"](torch.tensor((x - table.mean) / table.std,
                                              dtype=torch.float32)).numpy()
    np.testing.assert_allclose(got, net.probabilities(table.rows(x)), atol=1e-5)


@pytest.mark.parametrize("format_, name, wanted", [
    ("torch", "t.onnx", "t.torch.safetensors"), ("onnx", "m.safetensors", "m.onnx"),
    ("torch", "m.pt", "m.torch.safetensors"), ("onnx", "m", "m.onnx")])
def test_an_out_whose_name_contradicts_the_format_is_refused(
        run, trained, tmp_path, one_line, format_, name, wanted):
    out = tmp_path / name
    r = run("export", trained[0], "--format", format_, "--out", out)
    assert r.exit_code == 1 and not out.exists()
    line = one_line(r.stderr)
    assert line.startswith(f"digitnet: error: {out}: format {format_} writes")
    assert str(tmp_path / wanted) in line, line
    # The name it suggests works, and what it writes reads back under it (an ONNX file).
    r = run("export", trained[0], "--format", format_, "--out", tmp_path / wanted)
    assert r.exit_code == 0, r.output
    if format_ == "onnx":
        assert modelfile.load(tmp_path / wanted).sizes == modelfile.load(trained[0]).sizes
