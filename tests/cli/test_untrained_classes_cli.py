"""Classes a network has and its training data holds no example of, through the command line,
on real FSDD recordings and real MNIST digits. `digitnet train --init` on five recordings of 7
(a teacher's first try at a voice) exited 0 and saved a model answering 7 to everything, and a
new network on FSDD-named recordings of one digit trained ten classes without a word: each is
now refused in one line, and no model is written. A class folder of one class was refused on
loading ("a classifier needs at least two classes: add a folder of pictures", for recordings
too); a model that knows its class now scores it (evaluate, show), as it scores the same
recordings with their FSDD names, and training on it is refused in words for its files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import audio, inputs, modelfile

SPEAKER = "nicolas"  # (the speech model never heard him)
OTHERS = "0, 1, 2, 3, 4, 5, 6, 8 and 9"
UNLEARN = (f"no training recordings of {OTHERS}, classes of the model it starts from; "
           "fine-tuned on 7 alone, it would unlearn them and answer 7 to everything: give "
           "recordings of each of its classes (a few of each)")


@pytest.fixture(scope="module")
def voice(spoken_digits, tmp_path_factory):
    """nicolas's recordings of 7: numbers 0-4 with their FSDD names (flat7/), the same five in a
    class folder (one7/7/), and numbers 0-9 so (scored/7/); his 0-4 of 0, 1 and 2 (flat012/)."""
    root = tmp_path_factory.mktemp("voice")
    for name in ("flat7", "one7/7", "scored/7", "flat012"):
        (root / name).mkdir(parents=True)
    for i in range(10):
        seven = spoken_digits / f"7_{SPEAKER}_{i}.wav"
        shutil.copy(seven, root / "scored" / "7")
        if i < 5:
            shutil.copy(seven, root / "flat7")
            shutil.copy(seven, root / "one7" / "7")
            for digit in range(3):
                shutil.copy(spoken_digits / f"{digit}_{SPEAKER}_{i}.wav", root / "flat012")
    return root


def test_fine_tuning_on_some_digits_is_refused_and_writes_nothing(run, one_line, speech_model,
                                                                  voice, tmp_path):
    out = tmp_path / "x7.safetensors"
    for data in (voice / "flat7", voice / "one7"):  # FSDD's names, a class folder
        result = run("train", "--init", speech_model, "--data", data, "--out", out)
        assert result.exit_code == 1 and not out.exists()
        assert one_line(result.stderr) == f"digitnet: error: {data}: {UNLEARN}"
    result = run("train", "--init", speech_model, "--data", voice / "flat012", "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert one_line(result.stderr) == (
        f"digitnet: error: {voice / 'flat012'}: no training recordings of 3, 4, 5, 6, 7, 8 and "
        "9, classes of the model it starts from; fine-tuned on 0, 1 and 2 alone, it would "
        "unlearn them: give recordings of each of its classes (a few of each)")


def test_a_new_network_on_one_digit_is_refused_in_words_for_its_files(run, one_line, voice,
                                                                      mnist, tmp_path):
    out = tmp_path / "new.safetensors"
    for data in (voice / "flat7", voice / "one7"):
        result = run("train", "--data", data, "--epochs", "2", "--out", out)
        assert result.exit_code == 1 and not out.exists()
        assert one_line(result.stderr) == (
            f"digitnet: error: {data}: holds training recordings of one class only, 7; a "
            "classifier needs at least two classes: add recordings of another")
    named = tmp_path / "named"
    shutil.copytree(voice / "one7" / "7", named / "sept")  # a class folder not named by a digit
    sevens = np.flatnonzero(mnist.labels == 7)[:6]
    write_digit_folder(tmp_path / "pictures", mnist.x[sevens], mnist.labels[sevens])
    write_digit_folder(tmp_path / "cats", mnist.x[sevens], mnist.labels[sevens],
                       names={7: "cat"})
    one = "; a classifier needs at least two classes: add {} of another"
    said = {named: "holds training recordings of one class only, sept" + one.format("recordings"),
            tmp_path / "pictures": "holds training pictures of one class only, 7"
                                   + one.format("pictures"),
            tmp_path / "cats": "holds training pictures of one class only, cat"
                               + one.format("pictures")}
    for data, words in said.items():
        result = run("train", "--data", data, "--epochs", "2", "--out", out)
        assert result.exit_code == 1 and not out.exists()
        assert one_line(result.stderr) == f"digitnet: error: {data}: {words}"


def test_a_class_folder_of_one_digit_is_scored(run, speech_model, spoken_digits, voice,
                                               tmp_path):
    """As the same recordings are with their FSDD names, and as the model hears each one."""
    net = modelfile.load(speech_model)
    heard = [net.predict(audio.picture(spoken_digits / f"7_{SPEAKER}_{i}.wav",
                                       inputs.audio_of(net))) for i in range(10)]
    expected = float(np.mean(np.array(heard) == 7))
    result = run("evaluate", speech_model, "--data", voice / "scored", "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert scored["n"] == 10 and scored["accuracy"] == pytest.approx(expected)
    five = [run("evaluate", speech_model, "--data", voice / d, "--json") for d in ("one7",
                                                                                  "flat7")]
    assert all(r.exit_code == 0 for r in five), [r.output for r in five]
    one7, flat7 = (json.loads(r.stdout) for r in five)
    assert one7["n"] == flat7["n"] == 5
    assert one7["accuracy"] == flat7["accuracy"] == pytest.approx(np.mean(np.array(heard[:5]) == 7))
    for what in ("mistakes", "confusion"):
        out = tmp_path / f"{what}.png"
        result = run("show", what, speech_model, "--data", voice / "scored", "--out", out)
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
