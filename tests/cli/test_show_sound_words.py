"""`digitnet show` of a model of spoken digits speaks of sounds: the dream is what the network
would most like to hear, its axes labelled as every picture of a sound is, and the commands that
draw one example name it for either kind (a picture or a recording)."""

from __future__ import annotations

import pytest

from digitnet import Network, audio, inputs, modelfile, viz

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show figures' words)

AXES = "time →, pitch ↑"  # how show network labels the picture of a sound it was given


@pytest.fixture(scope="module")
def speech_net(speech_model):
    return modelfile.load(speech_model)


def test_the_dream_of_a_model_of_recordings_is_a_sound_it_would_like_to_hear(speech_net,
                                                                              spoken_digits):
    title = viz.dream_figure(speech_net).get_suptitle()
    assert title.startswith(f"The sound that most excites each output ({AXES})\n"), title
    assert title.endswith("(not a spoken digit: the network never learned to speak)"), title
    assert "draw" not in title and "input" not in title
    one = viz.dream_figure(speech_net, [7]).get_suptitle()
    assert one.startswith(f"The sound that most excites output 7 ({AXES})\n"), one
    # the same words as the picture of a sound that `show network` draws
    heard = audio.picture(spoken_digits / "7_jackson_0.wav", inputs.audio_of(speech_net))
    labels = [t.get_text() for t in viz.network_figure(speech_net, heard).axes[0].texts]
    assert any(f"the sound, {AXES}" in label for label in labels), labels


def test_the_dream_of_a_model_of_pictures_keeps_the_videos_words():
    title = viz.dream_figure(Network((784, 16, 10), seed=0), [3]).get_suptitle()
    assert title.startswith("The input that most excites output 3\n"), title
    assert title.endswith("(not a digit: the network, as the video warns, never learned to "
                          "draw)"), title
    assert "sound" not in title and "pitch" not in title


def test_show_dream_of_a_model_of_recordings_saves_its_picture(speech_model, tmp_path, run):
    out = tmp_path / "dream.png"
    r = run("show", "dream", speech_model, "--digit", "7", "--out", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("command", ["network", "saliency"])
def test_the_example_to_draw_is_named_for_both_kinds(speech_model, run, command):
    """No file given: the missing argument is named a picture or a recording, not an image."""
    r = run("show", command, speech_model)
    assert r.exit_code == 2
    assert "Missing argument 'PICTURE|RECORDING'" in r.stderr, r.stderr
    assert "IMAGE" not in r.stderr
    shown = " ".join(run("show", command, "--help").output.split())
    assert "MODEL PICTURE|RECORDING" in shown
    assert "image file" in shown and "for a model of recordings, a recording (WAV" in shown


def test_the_show_commands_help_says_recordings_where_they_work(run):
    group = " ".join(run("show", "--help").output.split())
    assert "spoken for a model of recordings" in group and "seven.wav" in group
    dream = " ".join(run("show", "dream", "--help").output.split())
    assert "for a model of recordings, the sound it would most like to hear" in dream
    weights = " ".join(run("show", "weights", "--help").output.split())
    assert "the sounds each neuron listens for" in weights
