"""What ``digitnet serve`` says to a teacher: addresses one can type, help that says what each
option does, and advice that is serve's own."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest
from click.testing import CliRunner
from ctrl_c import ctrl_c
from serve_process import start

from digitnet.cli import cli

pytestmark = pytest.mark.engine_independent  # (serve trains nothing here)


def test_no_train_help_says_what_it_turns_off():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    start = text.index("--no-train")
    help_text = text[start: text.index("--help", start)]
    assert "Turn training from the page off" in help_text
    assert "it needs the token" not in help_text  # (that is training without the flag)
    assert "Without it, training is open to anyone on 127.0.0.1" in help_text
    assert "whoever has the token printed at start" in help_text


def test_every_model_of_a_class_server_is_shown_at_an_address_one_can_type(
        web_model_path, speech_model, run_data_dir):
    proc, first, _ = start([web_model_path, speech_model, "--host", "0.0.0.0", "--port", "0",
                            "--data", run_data_dir, "--no-train"])
    try:
        second = invite = proc.stdout.readline()
        while invite and not invite.startswith("On phones"):  # (the address for phones: last)
            invite = proc.stdout.readline()
        address = re.match(r"On phones and other machines of this network, open (\S+)  ",
                           invite).group(1)
        assert "0.0.0.0" not in first + second, (first, second)  # (no address to open)
        assert f" at {address.rstrip('/')}  (API docs" in first, first
        assert f" at {address}?model=2  (its API at {address}models/2/api)" in second, second
        assert httpx.get(address + "?model=2").status_code == 200
        source = httpx.get(address + "models/2/api/models").json()["models"][1]["source"]
        assert source == str(speech_model)
    finally:
        code, _, err = ctrl_c(proc, buffered=True)
    assert code == 0, err


def test_data_without_test_files_is_given_serves_advice_not_evaluates(web_model_path,
                                                                        run_data_dir, tmp_path):
    only_train = tmp_path / "only-train"
    only_train.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        shutil.copy(run_data_dir / name, only_train / name)
    proc, _, url = start([web_model_path, "--port", "0", "--data", only_train])
    try:
        said = proc.stdout.readline().rstrip("\n")
        assert httpx.get(url + "/api/model").status_code == 200  # served all the same
    finally:
        code, _, err = ctrl_c(proc, buffered=True)
    assert code == 0, err
    assert said.startswith("No held-out digits to poke the network with ("), said
    assert "this folder holds only training data" in said
    assert "evaluate" not in said and "--split" not in said, said
    assert said.endswith("the page reads digits without them, and poking needs some: point "
                         "--data at a folder that also holds the t10k files)"), said
