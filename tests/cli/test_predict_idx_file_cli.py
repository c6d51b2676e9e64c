"""An MNIST IDX file given to `digitnet predict` (as if it were one picture or recording) is said
to be data of many digits, with the command that scores a model on its folder, for a model of
pictures and one of recordings alike; the other files given are still read."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine_independent  # (files refused, nothing trained here)


@pytest.mark.filterwarnings("default::UserWarning")
@pytest.mark.parametrize("model", ["small_model", "speech_model"])
def test_an_idx_file_is_said_to_be_data_to_score(run, request, mnist_dir, spoken_digits, model):
    IDX = [mnist_dir / "train-images-idx3-ubyte.gz", mnist_dir / "train-labels-idx1-ubyte.gz"]
    net = request.getfixturevalue(model)
    recording = spoken_digits / "7_jackson_0.wav"
    given = [*IDX] + ([recording] if model == "speech_model" else [])
    result = run("predict", net, *given)
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    kind = "recording" if model == "speech_model" else "picture"
    assert errors == [f"digitnet: error: {path}: MNIST-style IDX data (many digits, or their "
                      f"labels, in one file), not one {kind}; score a model of pictures on its "
                      f"folder: digitnet evaluate MODEL --data {mnist_dir}" for path in IDX]
    if model == "speech_model":  # (the recording given after them is still heard)
        assert result.stdout.startswith(f"{recording}: ")
