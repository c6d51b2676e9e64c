"""`digitnet predict` hears a recording with a sound card's DC offset as it hears the recording
without one: the speech model's 60 unheard real recordings (FSDD), their 16-bit samples moved by
2% and by -3% of full scale, get the same answers with the same probabilities, and none is
refused as noise (the offset flipped answers and had recordings refused before)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predicts recordings)


def answers(output: str) -> dict[str, str]:
    """Each recording's line of `digitnet predict` (its digit and probabilities), by file name."""
    return {name.rsplit("/", 1)[-1]: said
            for name, said in re.findall(r"^(\S+\.wav): (.+)$", output, re.MULTILINE)}


@pytest.mark.parametrize("share", [0.02, -0.03])
def test_an_offset_changes_no_answer(run, speech_model, speech_unheard_recordings, tmp_path,
                                     share):
    moved = tmp_path / "moved"
    moved.mkdir()
    for path in speech_unheard_recordings:
        samples, rate = soundfile.read(path, dtype="int16")
        shifted = samples.astype(np.int32) + round(share * 32768)
        assert shifted.min() >= -32768 and shifted.max() <= 32767
        soundfile.write(moved / path.name, shifted.astype(np.int16), rate, subtype="PCM_16")
    plain = run("predict", speech_model, *speech_unheard_recordings)
    offset = run("predict", speech_model, moved)
    assert plain.exit_code == 0 and offset.exit_code == 0, offset.output
    assert len(answers(plain.stdout)) == len(speech_unheard_recordings) == 60
    assert answers(offset.stdout) == answers(plain.stdout)
    assert "noise" not in offset.stderr
