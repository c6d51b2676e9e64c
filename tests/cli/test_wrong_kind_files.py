"""Files of the wrong kind where digitnet expects another, named for what they are: a recording
or picture given where the model goes (MODEL and FILE swapped, or MODEL left out), a folder of
recordings that are neither named as FSDD names them nor in class folders, and an empty
recording sent to the web API. Real recordings (FSDD) and real digits (MNIST) throughout."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile
from PIL import Image

NOT_A_MODEL = "not a model file; give a model saved by `digitnet train`"


@pytest.fixture(scope="module")
def wrong_files(spoken_digits, real_digit_images, tmp_path_factory):
    """{file name: what it is}: a real recording (WAV, and the same sound as FLAC, Ogg and MP3),
    a real digit (PNG, JPEG, GIF, BMP, WebP, TIFF, and as a NumPy array), and a .csv table."""
    folder = tmp_path_factory.mktemp("wrong-kind")
    seven = spoken_digits / "7_jackson_32.wav"
    shutil.copy(seven, folder / "seven.wav")
    samples, rate = soundfile.read(seven)
    for suffix in ("flac", "ogg", "mp3"):
        soundfile.write(folder / f"seven.{suffix}", samples, rate)
    digit = real_digit_images[0][7]
    for suffix in ("png", "jpg", "gif", "bmp", "webp", "tif"):
        Image.fromarray(digit).save(folder / f"digit.{suffix}")
    np.save(folder / "digit.npy", digit)
    (folder / "rows.csv").write_text("x0,x1,label\n0.5,1.5,a\n")
    kinds = {"wav": "a recording", "flac": "a recording", "ogg": "a recording",
             "mp3": "a recording", "npy": "a NumPy array", "csv": "a table"}
    return {p: kinds.get(p.suffix[1:], "a picture") for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def pictures_dir(real_digit_images, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pngs")
    Image.fromarray(real_digit_images[0][3]).save(folder / "three.png")
    return folder


def test_a_recording_or_picture_where_the_model_goes_is_named(run, one_line, wrong_files,
                                                              pictures_dir, digits_dir):
    """`digitnet predict seven.wav pngs/` (the model left out), `evaluate digit.png` and
    `show weights seven.wav`: each says what the file is and where the model goes."""
    assert len(wrong_files) == 12
    for path, kind in wrong_files.items():
        for args in (("predict", path, pictures_dir), ("evaluate", path, "--data", digits_dir),
                     ("show", "weights", path)):
            r = run(*args)
            assert r.exit_code == 1, (args, r.output)
            line = one_line(r.stderr)
            # (only predict takes files after MODEL: the others' MODEL is all they are given)
            hint = " (MODEL comes before the files)" if args[0] == "predict" else ""
            assert line == f"digitnet: error: {path}: {kind}, {NOT_A_MODEL}{hint}", line


def test_a_recording_given_to_resume_is_not_a_checkpoint(run, one_line, wrong_files, digits_dir):
    seven = next(p for p in wrong_files if p.name == "seven.wav")
    r = run("train", "--data", digits_dir, "--resume", seven)
    assert r.exit_code == 1, r.output
    assert one_line(r.stderr) == (f"digitnet: error: {seven}: a recording, not a training "
                                  "checkpoint; --resume needs the file written by --checkpoint")


@pytest.fixture(scope="module")
def unnamed_recordings(spoken_digits, tmp_path_factory):
    """Six real recordings in one folder, renamed so that their names say nothing."""
    folder = tmp_path_factory.mktemp("unnamed") / "my-voice"
    folder.mkdir()
    for n, name in enumerate(["3_george_7.wav", "5_lucas_8.wav", "8_nicolas_9.wav"] * 2):
        shutil.copy(spoken_digits / name, folder / f"{'abcdef'[n]}.wav")
    return folder


def test_a_folder_of_unnamed_recordings_says_how_recordings_are_laid_out(
        run, one_line, unnamed_recordings, speech_model, tmp_path):
    folder = unnamed_recordings
    for r in (run("evaluate", speech_model, "--data", folder),
              run("train", "--data", folder, "--epochs", "1", "--out", tmp_path / "m.safetensors")):
        assert r.exit_code == 1, r.output
        line = one_line(r.stderr)
        assert line.startswith(f"digitnet: error: {folder}: holds 6 recordings but no class "
                               "folders;"), line
        assert f"{folder / '7_jackson_32.wav'}" in line  # the names FSDD gives
        assert f"{folder / '7' / 'a.wav'}" in line  # class folders of recordings
        assert "pictures" not in line and "IDX" not in line
    assert not (tmp_path / "m.safetensors").exists()


def test_an_empty_recording_sent_to_the_api_asks_for_a_recording(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as client:
        r = client.post("/api/predict", files={"file": ("empty.wav", b"", "audio/wav")})
    assert r.status_code == 422, r.text
    assert r.json() == {"error": "file: empty.wav is empty; send a recording"}


PICTURES = "pictures (.png, .jpg, .jpeg, .bmp, .gif, .webp, .tif, .tiff, .npy)"
RECORDINGS = "recordings (.wav, .wave, .flac, .ogg, .oga, .opus, .mp3, .aiff, .aif, .aifc)"


def test_a_file_of_the_other_kind_given_to_predict_is_named_for_what_it_is(
        run, wrong_files, small_model, speech_model, tmp_path):
    """A picture given to a model of recordings (in any format, or named .wav), and a
    recording given to a model of pictures: not "not a recording (Format not recognised)" but
    what the file is, and what the model reads; the files of its own kind are read."""
    named_wav = tmp_path / "digit-named.wav"
    shutil.copy(next(p for p in wrong_files if p.suffix == ".png"), named_wav)
    pictures = [p for p, kind in wrong_files.items() if kind == "a picture"] + [named_wav]
    recordings = [p for p, kind in wrong_files.items() if kind == "a recording"]
    for model, wrong, right, said in (
            (speech_model, pictures, recordings, f"a picture, and this model hears recordings; "
                                                 f"give it {RECORDINGS}, or use a model trained "
                                                 "on pictures"),
            (small_model, recordings, pictures[:-1], f"a recording, and this model reads "
                                                     f"pictures; give it {PICTURES}, or use a "
                                                     "model trained on recordings")):
        r = run("predict", model, *wrong, *right)
        assert r.exit_code == 1
        assert r.stderr.splitlines() == [  # (named as a recording: what its bytes are)
            f"digitnet: error: {p}: {said}" if p != named_wav else
            f"digitnet: error: {p}: is a picture (PNG), not a recording; record one spoken "
            "digit, or use a recording of one (WAV, FLAC, Ogg (Vorbis or Opus), MP3 or AIFF)"
            for p in wrong]
        assert [line.split(":")[0] for line in r.stdout.splitlines()] == list(map(str, right))


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_a_folder_of_the_other_kind_or_of_both_is_said_so(run, wrong_files, small_model,
                                                          speech_model, tmp_path):
    """A folder with none of what the model reads says what it holds instead (or that it is
    empty) and what to give; a folder of both reads the model's kind and notes the others."""
    both, empty = tmp_path / "both", tmp_path / "empty"
    both.mkdir(), empty.mkdir()
    for path in wrong_files:
        shutil.copy(path, both / path.name)
    r = run("predict", speech_model, both, empty)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"note: {both}: 6 pictures left out (such as digit.bmp): this model hears recordings",
        f"note: {both}: 2 other files left out (digit.npy, rows.csv): this model hears "
        + RECORDINGS,
        (f"digitnet: error: {empty}: no recordings in this folder (looked for .wav, .wave, "
         ".flac, .ogg, .oga, .opus, .mp3, .aiff, .aif, .aifc); give a folder with recordings in "
         "it")]
    assert len(r.stdout.splitlines()) == 4  # seven.flac, .mp3, .ogg, .wav
    r = run("predict", small_model, both)
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [
        f"note: {both}: 4 recordings left out (such as seven.flac): this model reads pictures",
        f"note: {both}: 1 other file left out (rows.csv): this model reads {PICTURES}"]
    assert len(r.stdout.splitlines()) == 7  # the six pictures, and digit.npy (as when named)
    for model, kept, other, does, noun in ((speech_model, ".wav", "pictures", "hears recordings",
                                            "picture"),
                                           (small_model, ".png", "recordings", "reads pictures",
                                            "recording")):
        only = tmp_path / f"only-{other}"
        only.mkdir(exist_ok=True)
        for path in wrong_files:
            if path.suffix in (".wav", ".png") and path.suffix != kept:
                shutil.copy(path, only / path.name)
        r = run("predict", model, only)
        assert r.exit_code == 1
        give = RECORDINGS if kept == ".wav" else PICTURES
        assert r.stderr == (f"digitnet: error: {only}: holds 1 {noun} and no "
                            f"{'recordings' if kept == '.wav' else 'pictures'}, and this model "
                            f"{does}; give it {give}, or use a model trained on {other}\n")
