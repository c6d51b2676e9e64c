"""Spoken digits through the command line, with real recordings (FSDD, ../shared/data): train on
a folder named as FSDD names its files with a speaker held out, then predict, evaluate (the
held-out voice rebuilt from the model's record), info, show, and fine-tune to that voice."""

from __future__ import annotations

import re
import shutil

import pytest

from digitnet import modelfile

SPEAKERS = ("george", "jackson", "lucas")
INDEX = range(0, 12)  # FSDD's test split is 0-4: 50 of each speaker's 120 here


@pytest.fixture(scope="module")
def fsdd_dir(spoken_digits, tmp_path_factory):
    """360 real recordings of 3 speakers in a flat folder, named as FSDD names them."""
    folder = tmp_path_factory.mktemp("fsdd") / "recordings"
    folder.mkdir()
    for digit in range(10):
        for speaker in SPEAKERS:
            for i in INDEX:
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    return folder


@pytest.fixture(scope="module")
def trained(fsdd_dir, run, tmp_path_factory):
    """``digitnet train --data DIR --preset speech --val-speaker lucas``: the model file and
    what the command printed."""
    out = tmp_path_factory.mktemp("speech-cli") / "speech.safetensors"
    r = run("train", "--data", fsdd_dir, "--preset", "speech", "--val-speaker", "lucas",
            "--epochs", "30", "--out", out)
    assert r.exit_code == 0, r.output
    return out, r.output


def test_training_holds_a_speaker_out_and_records_the_front_end(trained):
    path, output = trained
    net = modelfile.load(path)
    assert net.sizes == (784, 128, 64, 10)
    assert net.metadata["input"]["kind"] == "audio" and net.metadata["input"]["bands"] == 28
    assert net.metadata["config"]["val_group"] == "lucas"
    # lucas's training-split recordings (5-11 of each digit) are the validation set
    assert re.search(r"Validation accuracy: [\d.]+% on 70 held-out examples", output), output


def test_evaluate_rebuilds_the_held_out_voice(trained, fsdd_dir, run):
    path, output = trained
    r = run("evaluate", path, "--data", fsdd_dir, "--split", "val")
    assert r.exit_code == 0, r.output
    shown = re.search(r"Validation accuracy: ([\d.]+)%", output).group(1)
    assert f"Accuracy: {shown}%" in r.output  # the same 70 recordings, read the same way
    assert "70 examples" in r.output


def test_evaluate_all_reads_every_recording_of_the_folder(trained, fsdd_dir, run):
    r = run("evaluate", trained[0], "--data", fsdd_dir, "--split", "all")
    assert r.exit_code == 0, r.output
    assert "(all, 360 examples)" in r.output  # FSDD's test part (0-4) and training part (5-11)
    default = run("evaluate", trained[0], "--data", fsdd_dir)
    assert "(test, 150 examples)" in default.stdout
    assert "scoring FSDD's test split, recordings 0-4" in default.stderr  # and how to score all
    assert "--split all" in default.stderr and "FSDD" not in r.stderr


def test_predict_reads_recordings_and_folders(trained, spoken_digits, tmp_path, run):
    path, _ = trained
    folder = tmp_path / "mine"
    folder.mkdir()
    for digit in (3, 8):
        shutil.copy(spoken_digits / f"{digit}_jackson_1.wav", folder)
    (tmp_path / "silence.wav").write_bytes((spoken_digits / "3_jackson_1.wav").read_bytes()[:44])
    r = run("predict", path, spoken_digits / "7_george_2.wav", folder, tmp_path / "silence.wav")
    answers = re.findall(r"^(\S+\.wav): (\d)", r.stdout, re.M)
    assert [a[0].rsplit("/", 1)[-1] for a in answers] == ["7_george_2.wav", "3_jackson_1.wav",
                                                           "8_jackson_1.wav"]
    assert "silence.wav: truncated" in r.stderr and r.exit_code != 0


def test_info_and_show_describe_pictures_of_sound(trained, spoken_digits, tmp_path, run):
    path, _ = trained
    r = run("info", path)
    assert "recordings, as 28x28 pictures of their sound" in r.output
    for args in (("weights", path), ("network", path, spoken_digits / "5_lucas_0.wav")):
        out = tmp_path / f"{args[0]}.png"
        r = run("show", *args, "--out", out)
        assert r.exit_code == 0, r.output
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fine_tuning_to_the_held_out_voice(trained, spoken_digits, tmp_path, run):
    """lucas's recordings 0-4 of each digit, in class folders, teach the model his voice;
    the accuracy on the same recordings before and after is reported."""
    path, _ = trained
    few = tmp_path / "lucas"
    for digit in range(10):
        (few / str(digit)).mkdir(parents=True)
        for i in range(5):
            shutil.copy(spoken_digits / f"{digit}_lucas_{i}.wav", few / str(digit))
    out = tmp_path / "tuned.safetensors"
    r = run("train", "--init", path, "--data", few, "--val-fraction", "0.2", "--out", out)
    assert r.exit_code == 0, r.output
    assert "on 10 held-out examples" in r.output  # one of each digit
    assert "Nothing was held out" not in r.stderr
    assert re.search(r"Before training, \S+ scored [\d.]+% on the same examples", r.output)
    config = modelfile.load(out).metadata["config"]
    assert (config["copies"], config["shift"], config["epochs"], config["dropout"]) == (
        16, 0, 100, 0.3)  # recipes.VOICE, and the speech preset's own dropout


def test_fine_tuning_on_fsdd_named_recordings_0_to_4_then_scoring_the_others(
        trained, spoken_digits, tmp_path, run):
    """The issue's check as a user runs it: a speaker's recordings 0-4 of each digit, kept
    with their FSDD names (FSDD's test split, so the folder is all on one side of it), teach
    the model; it is scored before and after on that speaker's recordings 5-14."""
    path, _ = trained
    few, others = tmp_path / "few", tmp_path / "others"
    few.mkdir(), others.mkdir()
    for digit in range(10):
        for i in range(15):
            shutil.copy(spoken_digits / f"{digit}_lucas_{i}.wav", few if i < 5 else others)
    out = tmp_path / "tuned.safetensors"
    r = run("train", "--init", path, "--data", few, "--out", out)
    assert r.exit_code == 0, r.output
    assert modelfile.load(out).metadata["data"]["train"]["n"] == 50  # every one of them
    assert "Before training" not in r.output  # 10% of 5 a digit is none: it says what to do
    assert ("Nothing was held out to score before and after: give --val-fraction 0.2, or put "
            "other examples in a test/ folder beside train/") in r.stderr
    scores = {}
    for model in (path, out):
        r = run("evaluate", model, "--data", others)
        assert r.exit_code == 0, r.output
        assert "(all, 100 examples)" in r.output  # no test part: every recording scored
        scores[model] = float(re.search(r"Accuracy: ([\d.]+)%", r.output).group(1))
    assert scores[out] > scores[path], scores


def test_fine_tuning_on_a_folder_with_a_test_part_reports_it_before_and_after(
        trained, spoken_digits, tmp_path, run):
    """my-voice/train/DIGIT/... (recordings 0-4) and my-voice/test/DIGIT/... (5-9): `train
    --init` reports the test accuracy after fine-tuning and, as `evaluate` gives it, before."""
    path, _ = trained
    voice = tmp_path / "my-voice"
    for digit in range(10):
        for part, numbers in (("train", range(5)), ("test", range(5, 10))):
            (voice / part / str(digit)).mkdir(parents=True)
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_lucas_{i}.wav", voice / part / str(digit))
    r = run("train", "--init", path, "--data", voice, "--out", tmp_path / "t.safetensors")
    assert r.exit_code == 0, r.output
    assert "Nothing was held out" not in r.stderr
    after = float(re.search(r"Test accuracy: ([\d.]+)% on 50 test examples", r.output).group(1))
    before = re.search(r"Before training, \S+ scored ([\d.]+)% on the test examples "
                       r"\(([+-][\d.]+) points from this training\)", r.output)
    assert before, r.output
    assert float(before.group(2)) == pytest.approx(after - float(before.group(1)), abs=0.01)
    scored = run("evaluate", path, "--data", voice)
    assert f"Accuracy: {before.group(1)}%" in scored.output  # the same 50, read the same way
    assert after > float(before.group(1)), r.output
    # the model file keeps the score before too: `info` shows it (only train said it)
    info = run("info", tmp_path / "t.safetensors").output
    assert f", test accuracy before training {before.group(1)}%" in info, info


def test_evaluate_without_data_scores_the_test_split_of_the_recordings_it_learned_from(
        trained, fsdd_dir, run):
    """Not mnist, which holds no recordings: FSDD's test split of the folder the model records,
    as `--data` gives it, saying which data it uses."""
    path, _ = trained
    default = run("evaluate", path)
    assert default.exit_code == 0, default.output
    assert "(test, 150 examples)" in default.stdout
    assert default.stdout == run("evaluate", path, "--data", fsdd_dir).stdout
    assert f"using {fsdd_dir}, the data {path} was trained on" in default.stderr


def test_confusion_and_mistakes_of_a_speech_model_count_recordings(trained, fsdd_dir, run,
                                                                   tmp_path):
    path, _ = trained
    for command in ("confusion", "mistakes"):
        out = tmp_path / f"{command}.svg"
        r = run("show", command, path, "--data", fsdd_dir, "--out", out)
        assert r.exit_code == 0, r.output
        words = " ".join(re.findall(r"<!-- (.*?) -->", out.read_text()))
        assert " 150 recordings" in words and "images" not in words, words


def test_speech_preset_without_copies_trains_without_its_alterations(fsdd_dir, run, tmp_path,
                                                                     one_line):
    """`--preset speech --copies 0` trains on the recordings alone: the preset's alterations
    (not given) have no copies to alter, and are off. An alteration given with --copies 0 is
    refused, naming only it and both ways out, in Python's words and the command line's."""
    from digitnet import PRESETS
    from digitnet.config import ALTERATIONS

    out = tmp_path / "plain.safetensors"
    r = run("train", "--data", fsdd_dir, "--preset", "speech", "--copies", "0", "--cut", "0.2",
            "--epochs", "1", "--out", out)
    assert r.exit_code == 1 and not out.exists()
    assert one_line(r.stderr) == ("digitnet: error: cut alters copies of the training recordings; "
                                  "give copies=N (--copies N), or turn it off: cut=0 (--cut 0)")
    r = run("train", "--data", fsdd_dir, "--preset", "speech", "--copies", "0", "--epochs", "1",
            "--out", out)
    assert r.exit_code == 0, r.output
    config = modelfile.load(out).metadata["config"]
    assert config["copies"] == 0 and all(config[name] == 0 for name in ALTERATIONS)
    assert any(getattr(PRESETS["speech"], name) for name in ALTERATIONS)
    assert config["dropout"] == PRESETS["speech"].dropout  # the rest of the preset, as it was


def test_fine_tuning_on_train_and_test_folders_of_fsdd_named_recordings(
        speech_model, spoken_digits, tmp_path, run):
    """The README's layout: one voice (nicolas, whom the model never heard) with his FSDD file
    names, recordings 0-4 of each digit in nicolas/train/ and 5-14 in nicolas/test/. `train
    --init` reads each split as a folder of FSDD-named recordings is read (every one in it) and
    reports the test accuracy after and, as `evaluate` on nicolas/test/ gives it, before."""
    voice = tmp_path / "nicolas"
    for part in ("train", "test"):
        (voice / part).mkdir(parents=True)
    for digit in range(10):
        for i in range(15):
            shutil.copy(spoken_digits / f"{digit}_nicolas_{i}.wav",
                        voice / ("train" if i < 5 else "test"))
    out = tmp_path / "nicolas.safetensors"
    r = run("train", "--init", speech_model, "--data", voice, "--out", out)
    assert r.exit_code == 0, r.output
    assert modelfile.load(out).metadata["data"]["train"]["n"] == 50
    after = float(re.search(r"Test accuracy: ([\d.]+)% on 100 test examples", r.output).group(1))
    before = re.search(r"Before training, \S+ scored ([\d.]+)% on the test examples "
                       r"\(([+-][\d.]+) points from this training\)", r.output)
    assert before, r.output
    assert float(before.group(2)) == pytest.approx(after - float(before.group(1)), abs=0.01)
    scored = run("evaluate", speech_model, "--data", voice / "test")
    assert scored.exit_code == 0, scored.output
    assert "(all, 100 examples)" in scored.output
    assert f"Accuracy: {before.group(1)}%" in scored.output  # the same 100, read the same way
