"""`digitnet train` never saves over what it reads (its data, the model it starts from or learns
from, its options, the checkpoint it resumes), nor over a file nobody may write, nor where no
file can be: each refused in one line before anything is read, the file left as it was. (It
saved over them with exit code 0: a table, an IDX labels file, a read-only model.)"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from real_data import wine_csv, write_digit_folder

from digitnet import datasets, modelfile


@pytest.fixture(scope="module")
def tiny_run(run, tiny_dir, tmp_path_factory):
    """A model and a checkpoint of one epoch on ``tiny_dir``."""
    folder = tmp_path_factory.mktemp("tinyrun")
    model, ckpt = folder / "m.safetensors", folder / "run.ckpt"
    result = run("train", "--data", tiny_dir, "--epochs", "1", "--checkpoint", ckpt,
                 "--out", model)
    assert result.exit_code == 0, result.output
    return model, ckpt


def _contents(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _refused(option, path, what):
    return (f"digitnet: error: {option} {path}: {what}: give {option} another file name; see "
            "digitnet train --help")


@pytest.mark.parametrize("spelling", ["as-given", "link", "other-path"])
def test_out_over_the_table_trained_on_is_refused(run, tmp_path, one_line, spelling):
    table = wine_csv(tmp_path / "wine.csv")
    before = table.read_bytes()
    (tmp_path / "link.csv").symlink_to("wine.csv")
    out = {"as-given": table, "link": tmp_path / "link.csv",
           "other-path": f"{tmp_path}/../{tmp_path.name}/wine.csv"}[spelling]
    result = run("train", "--data", table, "--epochs", "2", "--out", out)
    assert result.exit_code == 2
    assert one_line(result.stderr) == _refused(
        "--out", out, "is the file --data reads; saving there would replace it")
    assert table.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "wine.csv"]


@pytest.mark.parametrize("option", ["--checkpoint", "--out"])
def test_an_output_over_a_file_of_the_data_folder_is_refused(run, tiny_dir, tmp_path, one_line,
                                                             option):
    data = shutil.copytree(tiny_dir, tmp_path / "d3")
    before = _contents(data)
    labels = data / "train-labels-idx1-ubyte.gz"
    other = {"--checkpoint": ["--out", tmp_path / "m.safetensors"], "--out": []}[option]
    result = run("train", "--data", data, "--epochs", "1", option, labels, *other)
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"digitnet: error: {option} {labels}: is one of the files of the --data folder {data}, "
        f"and saving there would replace it: give {option} a file name outside it; see "
        "digitnet train --help")
    assert _contents(data) == before and sorted(p.name for p in tmp_path.iterdir()) == ["d3"]


def test_a_new_file_the_data_folder_would_read_as_data_is_refused(run, tiny_dir, tmp_path,
                                                                  one_line):
    """A model saved as t10k-images-...: the folder's test split the next time it is read."""
    data = shutil.copytree(tiny_dir, tmp_path / "d")
    out = data / "t10k-images-idx3-ubyte.gz"
    result = run("train", "--data", data, "--epochs", "1", "--out", out)
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"digitnet: error: --out {out}: in the --data folder {data}, a file of that name would "
        "be read as data; give --out another file name; see digitnet train --help")
    assert not out.exists()


def test_a_model_saved_inside_a_folder_of_pictures_leaves_its_data_as_it_was(run, mnist,
                                                                            tmp_path):
    """The choice kept (passes before and after the refusals): a new model inside the --data
    folder is no data file; replacing it is allowed, and the folder reads the same examples,
    the model skipped and named in the note."""
    pictures = tmp_path / "pictures"
    write_digit_folder(pictures, mnist.x[:200], mnist.labels[:200])
    before = datasets.load(pictures).fingerprint
    out = pictures / "3" / "model.safetensors"
    for _ in range(2):  # a new file, then the model saved there replaced
        result = run("train", "--data", pictures, "--epochs", "1", "--out", out)
        assert result.exit_code == 0, result.output
    after = datasets.load(pictures)
    assert after.fingerprint == before
    assert "3/model.safetensors (not a picture)" in after.note


@pytest.mark.parametrize("option", ["--init", "--teacher", "--config"])
@pytest.mark.parametrize("output", ["--out", "--checkpoint"])
def test_an_output_over_a_file_the_run_reads_is_refused(run, tiny_dir, tiny_run, tmp_path,
                                                        one_line, option, output):
    read = tmp_path / ("recipe.json" if option == "--config" else "start.safetensors")
    if option == "--config":
        read.write_text('{"lr": 0.01}')
    else:
        shutil.copy(tiny_run[0], read)
    before = read.read_bytes()
    other = ["--out", tmp_path / "m.safetensors"] if output == "--checkpoint" else []
    result = run("train", "--data", tiny_dir, "--epochs", "1", option, read, output, read, *other)
    assert result.exit_code == 2
    what = {"--init": "the model --init starts from", "--teacher": "the model --teacher teaches",
            "--config": "the file of training options --config reads"}[option]
    assert one_line(result.stderr) == _refused(
        output, read, f"is {what}; saving there would replace it")
    assert read.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [read.name]


def test_out_over_the_checkpoint_written_or_resumed_is_refused(run, tiny_dir, tiny_run, tmp_path,
                                                               one_line):
    ckpt = shutil.copy(tiny_run[1], tmp_path / "run.ckpt")
    before = ckpt.read_bytes()
    result = run("train", "--data", tiny_dir, "--epochs", "1", "--resume", ckpt, "--out", ckpt)
    assert result.exit_code == 2
    assert one_line(result.stderr) == _refused(
        "--out", ckpt, "is the checkpoint --resume continues; saving there would replace it")
    result = run("train", "--data", tiny_dir, "--epochs", "1", "--checkpoint", ckpt,
                 "--out", ckpt)
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"digitnet: error: --out {ckpt}: is --checkpoint's file too, and the model would replace "
        "the checkpoint: give them different names; see digitnet train --help")
    assert ckpt.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["run.ckpt"]


def test_a_read_only_model_is_not_replaced(run, tiny_dir, tiny_run, tmp_path, one_line):
    """Even as root, whom os.access lets write anything: the mode says nobody should."""
    out = shutil.copy(tiny_run[0], tmp_path / "kept.safetensors")
    out.chmod(0o444)
    before = out.read_bytes()
    result = run("train", "--data", tiny_dir, "--epochs", "1", "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {out}: is read-only; make it writable "
                                       f"(chmod u+w {out}) or choose another file")
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_read_only_checkpoint_resumes_only_to_another(run, tiny_dir, tiny_run, tmp_path,
                                                        one_line):
    """A resumed run saves its checkpoint where it resumes from: not over a read-only one,
    which --checkpoint PATH keeps as it is."""
    ckpt = shutil.copy(tiny_run[1], tmp_path / "kept.ckpt")
    ckpt.chmod(0o444)
    before = ckpt.read_bytes()
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", tiny_dir, "--resume", ckpt, "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {ckpt}: is read-only; make it writable (chmod u+w {ckpt}) or choose "
        "another file: a resumed run goes on saving its checkpoint in the file it resumes, "
        "unless --checkpoint PATH names another")
    result = run("train", "--data", tiny_dir, "--resume", ckpt, "--checkpoint",
                 tmp_path / "new.ckpt", "--out", out)
    assert result.exit_code == 0, result.output
    assert ckpt.read_bytes() == before
    assert modelfile.load(out).params.tobytes() == modelfile.load(tiny_run[0]).params.tobytes()


@pytest.mark.parametrize("option", ["--out", "--checkpoint"])
def test_an_empty_file_name_is_refused_as_that(run, tiny_dir, one_line, option):
    result = run("train", "--data", tiny_dir, "--epochs", "1", option, "")
    assert result.exit_code == 2
    assert one_line(result.stderr) == (f"digitnet: error: {option}: give a file name; see "
                                       "digitnet train --help")


def test_out_to_standard_output_is_refused_as_no_regular_file(tiny_dir, tmp_path):
    """/dev/stdout, read by a pipe: a link to /proc/PID/fd/1, which names no file."""
    done = subprocess.run([sys.executable, "-m", "digitnet", "train", "--data", str(tiny_dir),
                           "--epochs", "1", "--out", "/dev/stdout"], cwd=tmp_path,
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("digitnet: error: /dev/stdout: is a FIFO (it links to /proc/")
    assert done.stderr.endswith("), not a regular file; give a file path\n")
    assert done.stderr.count("\n") == 1 and list(tmp_path.iterdir()) == []
