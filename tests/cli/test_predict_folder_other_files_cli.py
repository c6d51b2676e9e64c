"""`digitnet predict MODEL FOLDER` hears every recording in the folder, whatever the format a
phone or a Mac saved it in (.opus, .aiff, .wave, upper-case endings), and says what it leaves out:
pictures, and files of neither kind, named. Real recordings (FSDD), converted here."""

from __future__ import annotations

import io
import shutil

import pytest
import soundfile
from PIL import Image

ENDINGS = {"real.aiff": ("AIFF", "PCM_16"), "z.opus": ("OGG", "OPUS"), "w.wave": ("WAV", "PCM_16"),
           "opus.ogg": ("OGG", "OPUS"), "x.MP3": ("MP3", "MPEG_LAYER_III"),
           "y.WAV": ("WAV", "PCM_16")}
HEARD = ".wav, .wave, .flac, .ogg, .oga, .opus, .mp3, .aiff, .aif, .aifc"


@pytest.fixture(scope="module")
def voice_model(run, spoken_digits, tmp_path_factory):
    """A model trained for 2 epochs on 30 real recordings (FSDD-named, three speakers)."""
    folder = tmp_path_factory.mktemp("few") / "recordings"
    folder.mkdir()
    for digit in range(10):
        for speaker in ("george", "jackson", "lucas"):
            shutil.copy(spoken_digits / f"{digit}_{speaker}_5.wav", folder)
    out = folder.parent / "voice.safetensors"
    r = run("train", "--data", folder, "--epochs", "2", "--out", out)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture
def mixed_folder(spoken_digits, real_digit_images, tmp_path):
    """A real seven in six formats, a real digit's picture, and two notes."""
    folder = tmp_path / "aiffdir"
    folder.mkdir()
    samples, rate = soundfile.read(spoken_digits / "7_nicolas_3.wav")
    for name, (fmt, subtype) in ENDINGS.items():
        out = io.BytesIO()
        soundfile.write(out, samples, rate, format=fmt, subtype=subtype)
        (folder / name).write_bytes(out.getvalue())
    Image.fromarray(real_digit_images[0][5]).save(folder / "five.png")
    (folder / "notes.txt").write_text("seven, said twice\n")
    (folder / "take.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A ")
    return folder


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_predict_hears_every_format_and_names_the_files_it_leaves_out(run, voice_model,
                                                                      mixed_folder):
    r = run("predict", voice_model, mixed_folder)
    assert r.exit_code == 0, r.output
    heard = [line.split(":")[0] for line in r.stdout.splitlines()]
    assert heard == [str(mixed_folder / name) for name in sorted(ENDINGS)]
    assert r.stderr.splitlines() == [
        f"note: {mixed_folder}: 1 picture left out (such as five.png): this model hears recordings",
        (f"note: {mixed_folder}: 2 other files left out (notes.txt, take.m4a): this model hears "
         f"recordings ({HEARD})")]


def test_a_folder_of_other_files_alone_names_one(run, voice_model, mixed_folder):
    for path in mixed_folder.iterdir():
        if path.suffix not in (".txt", ".m4a"):
            path.unlink()
    r = run("predict", voice_model, mixed_folder)
    assert r.exit_code == 1
    assert r.stderr == (
        f"digitnet: error: {mixed_folder}: no recordings in this folder (looked for {HEARD}), "
        "only 2 other files, such as notes.txt; give a folder with recordings in it\n")
