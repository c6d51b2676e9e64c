"""`digitnet predict` reads each file it is given on its own, named or in a folder: one that
cannot be read (no permission, a FIFO that would wait for ever) gets its line and the others
are still predicted, with the exit code a folder holding it gives; a file named like an option
(``-3.png``) is told from one; a link to a folder read already is a note, not an error; and
with --save-input, each JSON answer names the PNG its input was saved as. Real MNIST digits
and real spoken digits throughout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet import inputs, modelfile
from digitnet.cli.inputs import read_recordings
from digitnet.errors import DigitnetError
from digitnet.inputs import Audio
from digitnet.preprocess import to_mnist


def _digit(mnist, label: int, k: int = 0) -> np.ndarray:
    """The ``k``-th real MNIST digit ``label``, uint8 28x28."""
    return mnist.x[np.flatnonzero(mnist.labels == label)[k]].reshape(28, 28)


def _as_a_reader_kept_out() -> list[str]:
    """The words before a command that run it as a reader whom a file of mode 000 keeps out:
    when the tests run as root (who reads any file, whatever its mode), setpriv's, running it
    as root without the two capabilities that let root past a file's mode (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH): root still owns its files and folders, so the interpreter and its
    packages load wherever they are installed (as another user, those in /root do not), and a
    file of mode 000 is closed to it; else none (this user)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv is missing (apt-get install util-linux): the test runs digitnet as "
                    "a reader a file can keep out, which root is not")
    dropped = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={dropped}", f"--inh-caps={dropped}"]


def _digitnet(*args, cwd: Path, timeout: int = 120, as_user=()) -> subprocess.CompletedProcess:
    """``digitnet ARGS`` in a process of its own (in ``cwd``; run by the words ``as_user``),
    so that a read that waits for ever fails the test at ``timeout``, not hangs the suite."""
    try:
        return subprocess.run([*as_user, sys.executable, "-m", "digitnet", *map(str, args)],
                              cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"digitnet {' '.join(map(str, args))} still running after {timeout} s")


@pytest.fixture
def open_folder(trained):
    """A folder anyone may enter and read (pytest's own are root's alone), holding a copy of the
    trained model that anyone may read; removed after the test."""
    folder = Path(tempfile.mkdtemp(prefix="digitnet-each-file-"))
    folder.chmod(0o755)
    shutil.copy(trained[0], folder / "m.safetensors")
    (folder / "m.safetensors").chmod(0o644)
    yield folder
    shutil.rmtree(folder)


def test_a_named_file_that_cannot_be_read_is_said_and_the_others_predicted(open_folder,
                                                                            mnist):
    """It was click's "Path 'locked.png' is not readable" (exit 2), and nothing predicted."""
    folder = open_folder
    for name, label in (("a.png", 3), ("b.png", 7), ("locked.png", 1)):
        Image.fromarray(_digit(mnist, label)).save(folder / name)
    (folder / "inside").mkdir(mode=0o755)
    shutil.copy(folder / "a.png", folder / "inside" / "a.png")
    shutil.copy(folder / "locked.png", folder / "inside" / "locked.png")
    for locked in (folder / "locked.png", folder / "inside" / "locked.png"):
        locked.chmod(0o000)
    kept_out = _as_a_reader_kept_out()
    tried = subprocess.run([*kept_out, sys.executable, "-c", "open('locked.png', 'rb')"],
                           cwd=folder, capture_output=True, text=True)
    assert "PermissionError" in tried.stderr  # (the file is truly unreadable to the command)

    named = _digitnet("predict", "m.safetensors", "a.png", "locked.png", "b.png", "missing.png",
                      cwd=folder, as_user=kept_out)
    assert named.stderr.splitlines() == [
        "digitnet: error: locked.png: cannot read it (Permission denied)",
        "digitnet: error: missing.png: no such file or folder"]
    assert [line.split(": ")[0] for line in named.stdout.splitlines()] == ["a.png", "b.png"]
    # As for a folder holding such a file: its line, the others read, exit code 1.
    walked = _digitnet("predict", "m.safetensors", "inside", cwd=folder, as_user=kept_out)
    assert walked.stderr.splitlines() == [
        "digitnet: error: inside/locked.png: cannot read it (Permission denied)"]
    assert [line.split(": ")[0] for line in walked.stdout.splitlines()] == ["inside/a.png"]
    assert named.returncode == walked.returncode == 1
    # --json: said in its place among the answers.
    as_json = _digitnet("predict", "--json", "m.safetensors", "a.png", "locked.png", "b.png",
                        cwd=folder, as_user=kept_out)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["file"] for r in records] == ["a.png", "locked.png", "b.png"]
    assert records[1] == {"file": "locked.png",
                          "error": "locked.png: cannot read it (Permission denied)"}
    assert as_json.returncode == 1 and as_json.stderr == ""


def test_a_fifo_is_said_without_waiting_named_or_in_a_folder(open_folder, mnist):
    """A FIFO named .png was opened as a picture, and predict waited for ever for a writer."""
    folder = open_folder
    Image.fromarray(_digit(mnist, 3)).save(folder / "a.png")
    os.mkfifo(folder / "pipe.png")
    (folder / "inside").mkdir()
    Image.fromarray(_digit(mnist, 7)).save(folder / "inside" / "b.png")
    os.mkfifo(folder / "inside" / "c.png")
    done = _digitnet("predict", "m.safetensors", "pipe.png", "a.png", "inside", cwd=folder,
                     timeout=60)
    assert done.returncode == 1
    assert [line.split(": ")[0] for line in done.stdout.splitlines()] == ["a.png", "inside/b.png"]
    assert done.stderr.splitlines() == [
        f"digitnet: error: {name}: is a FIFO, not a regular file; give a picture file, or a "
        "folder of them" for name in ("pipe.png", "inside/c.png")]


def test_a_fifo_among_recordings_is_said_without_waiting(tmp_path, spoken_digits):
    """As for pictures: read_recordings opened it (to look for an array's bytes), and waited."""
    shutil.copy(spoken_digits / "7_jackson_0.wav", tmp_path)
    os.mkfifo(tmp_path / "pipe.wav")
    script = ("import sys\nfrom digitnet.cli.inputs import read_recordings\n"
              "from digitnet.inputs import Audio\n"
              "for name, x in read_recordings(sys.argv[1:], Audio()):\n"
              "    print(name, '|', x if isinstance(x, Exception) else x.shape)\n")
    try:
        done = subprocess.run([sys.executable, "-c", script, "pipe.wav", "7_jackson_0.wav"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a FIFO named .wav still waiting after 60 s")
    said, heard = done.stdout.splitlines()
    assert said == ("pipe.wav | pipe.wav: is a FIFO, not a regular file; give a recording, or a "
                    "folder of them")
    assert heard.startswith("7_jackson_0.wav | (") and done.returncode == 0, done.stderr


def test_a_file_named_like_an_option_says_how_to_name_it(run, trained, tmp_path, monkeypatch,
                                                         mnist):
    monkeypatch.chdir(tmp_path)
    Image.fromarray(_digit(mnist, 3)).save(tmp_path / "-3.png")
    (tmp_path / "-d").mkdir()
    refused = run("predict", trained[0], "-3.png")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr == ("digitnet: error: No such option '-3'; -3.png is a file: write "
                              "./-3.png or put -- before it; see digitnet predict --help\n")
    folder = run("predict", trained[0], "-d")
    assert folder.stderr == ("digitnet: error: No such option '-d'; -d is a folder: write ./-d "
                             "or put -- before it; see digitnet predict --help\n")
    # What it says works, both ways.
    for args in (["./-3.png"], ["--", "-3.png"]):
        done = run("predict", trained[0], *args)
        assert done.exit_code == 0 and done.stdout.startswith(f"{args[-1]}: "), done.output
    # An option that names no file is said as before.
    assert run("predict", trained[0], "-x.png").stderr == (
        "digitnet: error: No such option '-x'; see digitnet predict --help\n")


@pytest.mark.filterwarnings("default::UserWarning")
def test_a_link_to_a_folder_read_already_is_a_note(run, trained, tmp_path, mnist):
    """It was "digitnet: error: ...: links to a folder read already" and exit code 1, though
    every picture was read (training skips such a link without a word)."""
    root = tmp_path / "digits"
    for label in (3, 7):
        (root / str(label)).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(_digit(mnist, label, k)).save(root / str(label) / f"{k}.png")
    os.symlink(".", root / "3" / "self")
    os.symlink("..", root / "7" / "up")
    result = run("predict", trained[0], root)
    assert result.exit_code == 0, result.output
    read = [line.split(": ")[0] for line in result.stdout.splitlines()]
    assert read == [str(root / str(label) / f"{k}.png") for label in (3, 7) for k in range(3)]
    assert result.stderr.splitlines() == [
        f"note: {root / link}: links to a folder read already; skipped, not read again"
        for link in ("3/self", "7/up")]


def test_a_link_to_a_folder_of_recordings_read_already_is_a_note(tmp_path, spoken_digits):
    voice = tmp_path / "voice"
    voice.mkdir()
    shutil.copy(spoken_digits / "7_jackson_0.wav", voice)
    os.symlink(".", voice / "again")
    with pytest.warns(UserWarning) as noted:
        answers = list(read_recordings([str(voice)], Audio()))
    assert [name for name, _ in answers] == [str(voice / "7_jackson_0.wav")]
    assert not any(isinstance(x, DigitnetError) for _, x in answers)
    assert [str(w.message) for w in noted] == [
        f"{voice / 'again'}: links to a folder read already; skipped, not read again"]


def test_each_json_answer_names_the_picture_its_input_was_saved_as(run, trained, tmp_path,
                                                                    mnist):
    """Inputs of one name (a.png in two folders, a.gif) are saved as a.png, a-2.png, a-3.png:
    each answer says which is its own."""
    for path, label in (("one/a.png", 3), ("two/a.png", 7), ("two/a.gif", 1)):
        (tmp_path / path).parent.mkdir(exist_ok=True)
        Image.fromarray(_digit(mnist, label)).save(tmp_path / path)
    out = tmp_path / "seen"
    result = run("predict", "--json", trained[0], tmp_path / "one", tmp_path / "two",
                 "--save-input", out)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    saved = [r["saved_input"] for r in records]
    assert sorted(saved) == [str(out / n) for n in ("a-2.png", "a-3.png", "a.png")]
    reads = inputs.of(modelfile.load(trained[0]))
    for record in records:  # each the picture of its own file, as the network saw it
        with Image.open(record["saved_input"]) as seen:
            pixels = np.asarray(seen) / 255
        seen_by_net = reads.rows(to_mnist(record["file"])).reshape(28, 28)
        np.testing.assert_allclose(pixels, seen_by_net, atol=1 / 255 + 1e-6)
    # Without --save-input, no such field.
    plain = run("predict", "--json", trained[0], tmp_path / "one")
    assert "saved_input" not in json.loads(plain.stdout)
    helped = " ".join(run("predict", "--help").stdout.split())
    assert 'with --json each answer names its PNG as "saved_input"' in helped
