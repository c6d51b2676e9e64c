"""When a model's validation split cannot be had, the message offers what works for that model
and that data: the test split when the data has one; when it has none (MNIST-style training
files alone, a folder without test/), --split all, saying the model may have learned from those
examples (or did: all of them, when its val_fraction held out none)."""

import shutil

import pytest


@pytest.fixture(scope="module")
def exported(run, trained, tmp_path_factory):
    """The trained model as ONNX: no training configuration, no record of its data."""
    out = tmp_path_factory.mktemp("onnx") / "ref.onnx"
    result = run("export", trained[0], "--format", "onnx", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_no_recorded_split_on_training_files_alone_offers_split_all(run, exported,
                                                                   train_only_dir):
    for split in ("val", "train"):
        result = run("evaluate", exported, "--data", train_only_dir, "--split", split)
        assert result.exit_code == 1
        error = result.stderr.strip().splitlines()[-1]
        assert error.startswith(f"digitnet: error: {exported}: the model has no training "
                                "configuration"), error
        assert (f"{train_only_dir.name} has no test part (no t10k files): --split all scores "
                "all 2,000 of its examples, which it may have learned from") in error
        assert "use the test split" not in error
    offered = run("evaluate", exported, "--data", train_only_dir, "--split", "all")
    assert offered.exit_code == 0, offered.output


def test_the_held_out_split_does_not_offer_the_validation_split_it_could_not_rebuild(
        run, exported, train_only_dir):
    result = run("show", "ablation", exported, "--data", train_only_dir)
    assert result.exit_code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"digitnet: error: no held-out examples in {train_only_dir}: ")
    assert "--split val" not in error and "--split all scores all 2,000" in error


def test_with_a_test_part_the_test_split_is_offered(run, exported, digits_dir):
    result = run("evaluate", exported, "--data", digits_dir, "--split", "val")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("is unknown; use the test split")


@pytest.fixture(scope="module")
def five_a_digit(run, spoken_digits, tmp_path_factory):
    """A speech model trained (1 epoch, val_fraction 0.1) on 5 real recordings of each digit,
    in class folders under train/, with 5 others of each under test/: its val_fraction holds out
    none (round(0.5) is 0). Returns (model, the folder)."""
    root = tmp_path_factory.mktemp("five")
    for part, numbers in (("train", range(5)), ("test", range(5, 10))):
        for digit in range(10):
            (root / "both" / part / str(digit)).mkdir(parents=True)
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_nicolas_{i}.wav",
                            root / "both" / part / str(digit))
    model = root / "five.safetensors"
    result = run("train", "--data", root / "both", "--epochs", "1", "--val-fraction", "0.1",
                 "--out", model)
    assert result.exit_code == 0, result.output
    return model, root / "both"


def test_a_val_fraction_that_held_out_none_is_said_so(run, five_a_digit):
    model, both = five_a_digit
    result = run("evaluate", model, "--data", both, "--split", "val")
    assert result.exit_code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error == (f"digitnet: error: {model}: the model's val_fraction 0.1 held out none of "
                     "the 50 examples it was trained on (that share of each class, rounded; its "
                     "largest class has 5), so it has no validation split; use the test split")
    assert run("evaluate", model, "--data", both, "--split", "test").exit_code == 0


def test_without_a_test_part_it_says_all_of_them_were_learned_from(run, five_a_digit):
    """The folder it was trained on, copied without its test part: --split all is offered,
    saying it learned from every one of them."""
    model, both = five_a_digit
    alone = both.parent / "alone"
    shutil.copytree(both, alone)
    shutil.rmtree(alone / "test")
    result = run("evaluate", model, "--data", alone, "--split", "val")
    assert result.exit_code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert "held out none of the 50 examples" in error, error
    assert ("alone has no test part: --split all scores all 50 of its examples, all of which it "
            "learned from, so the accuracy flatters it") in error
