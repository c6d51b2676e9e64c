"""`digitnet predict` on a .npy of digits drawn dark on white (MNIST's pixels inverted): they are
read as given, as arrays are, with one note saying how many look inverted and what to do."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predicts .npy arrays)


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_inverted_digits_in_an_npy_are_noted_once(run, trained, real_digit_images, tmp_path):
    images, _ = real_digit_images
    np.save(tmp_path / "right.npy", images[:10])
    np.save(tmp_path / "inverted.npy", 255 - images[:10])
    right = run("predict", trained[0], tmp_path / "right.npy")
    assert right.exit_code == 0 and right.stderr == ""
    inverted = run("predict", trained[0], tmp_path / "inverted.npy")
    assert inverted.exit_code == 0, inverted.output
    note, = inverted.stderr.splitlines()
    assert note == (f"note: 10 of the 10 {tmp_path / 'inverted.npy'}: the background is bright "
                    "and the ink dark (most of the border is brighter than mid-grey), but "
                    "networks read light ink on black, as MNIST's digits are; use 1 - x (255 - x "
                    "for uint8 pixels), or pass the picture through digitnet.preprocess.to_mnist")
    assert len(inverted.stdout.splitlines()) == 10  # every one still answered
