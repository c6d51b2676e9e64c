"""What the audio front end says of a recording it refuses, checked to be one line naming it."""

from __future__ import annotations

import pytest

from digitnet import audio
from digitnet.errors import AudioError


def refusal(data: bytes, name: str) -> str:
    """What reading ``data`` as the recording ``name`` says: one line, naming the file."""
    with pytest.raises(AudioError) as info:
        audio.picture(data, name=name)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    return message
