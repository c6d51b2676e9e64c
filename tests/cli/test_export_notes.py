"""What `digitnet export` says an image model's file takes: each picture's pixels as brightness
0..1 (uint8 pixels / 255), deskewed first when the model deskews, with the Python that makes
them; followed as printed on real digits, the exported file gives digitnet's probabilities.

The note once said only "deskew each image first (digitnet.inputs.deskew)": deskewing uint8
pictures gives uint8 pixels 0..255, which the file reads 255 times too bright (probabilities
off by 0.3, answers flipped); a model that does not deskew got no note of brightness at all.

Tolerance: 1e-5, as for the ONNX export in tests/integration/test_interop.py, which derives it
(168 float32 roundings of a softmax's z; the worst-case bound is asserted there).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from digitnet import inputs, modelfile

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def unskewed(run, digits_dir, tmp_path_factory):
    """A model trained with --no-deskew (2 epochs on 3,000 real digits): it reads the pictures
    as they are."""
    out = tmp_path_factory.mktemp("unskewed") / "m.safetensors"
    r = run("train", "--data", digits_dir, "--epochs", "2", "--no-deskew", "--out", out)
    assert r.exit_code == 0, r.output
    return out


def note_lines(stdout: str) -> tuple[str, str]:
    """The note's first line and the indented Python after it (up to the next unindented
    line: "Load it with:" for the torch format)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "brightness 0..1" in line)
    code = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        code.append(line)
    return lines[start], textwrap.dedent("\n".join(code))


def exported_probabilities(format_, out, stdout, x) -> np.ndarray:
    """The exported file run on rows ``x``: onnxruntime, or the printed PyTorch lines."""
    if format_ == "onnx":
        session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        return session.run(None, {"input": x})[0]
    namespace = {}
    exec(textwrap.dedent(stdout.split("Load it with:\n")[1]), namespace)
    with torch.no_grad():
        return namespace["model"](torch.from_numpy(x)).numpy()


@pytest.mark.parametrize("format_", ["onnx", "torch"])
@pytest.mark.parametrize("deskews", [True, False], ids=["deskewing", "not deskewing"])
def test_following_the_note_gives_predict_proba(run, trained, unskewed, mnist, tmp_path,
                                                format_, deskews):
    model = trained[0] if deskews else unskewed
    net = modelfile.load(model)
    assert inputs.of(net).deskew is deskews
    out = tmp_path / ("m.onnx" if format_ == "onnx" else "m.torch.safetensors")
    r = run("export", model, "--format", format_, "--out", out)
    assert r.exit_code == 0, r.output
    first, code = note_lines(r.stdout)
    assert "brightness 0..1 (uint8 pixels / 255), float32" in first, r.stdout
    assert "for uint8 pictures images, shape (n, 28, 28)" in first
    assert ("deskewed first" in first) is deskews and ("deskew" in r.stdout) is deskews
    assert "x = digitnet.inputs.of(digitnet.load(" in code
    assert ".rows(images / 255).astype(np.float32)" in code
    if deskews:  # how to deskew by hand, and the uint8 trap
        assert "x = digitnet.inputs.deskew(images / 255).reshape(len(images), -1)" in code
        assert "divide by 255 first" in code and "keeps uint8 pixels 0..255" in code
    images = mnist.x[-1000:]
    want = net.predict_proba(images)
    # Each x = line the note gives, run as printed, makes the same float32 rows ...
    rows = []
    for line in [line for line in code.splitlines() if line.startswith("x = ")]:
        namespace = {"images": images}
        exec(code.split("\n", 1)[0] + "\n" + line, namespace)  # the import line, then it
        rows.append(namespace["x"])
        assert rows[-1].dtype == np.float32 and rows[-1].shape == (1000, 784)
        np.testing.assert_array_equal(rows[-1], rows[0])
    assert len(rows) == (2 if deskews else 1)
    # ... and the whole block run at once too; the file given them gives predict_proba.
    namespace = {"images": images}
    exec(code, namespace)
    got = exported_probabilities(format_, out, r.stdout, namespace["x"])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert (got.argmax(axis=1) == net.predict(images)).all()


def test_deskewing_uint8_pictures_alone_is_what_the_note_warns_of(run, trained, mnist, tmp_path):
    """The old note, followed literally: deskewed uint8 pixels 0..255, far from predict_proba."""
    out = tmp_path / "m.onnx"
    assert run("export", trained[0], "--format", "onnx", "--out", out).exit_code == 0
    net = modelfile.load(trained[0])
    images = mnist.x[-1000:]
    literal = inputs.deskew(images).reshape(len(images), -1).astype(np.float32)
    assert literal.max() == 255
    got = exported_probabilities("onnx", out, "", literal)
    assert np.abs(got - net.predict_proba(images)).max() > 0.1
