"""A body over the limit is named for what the route's model reads: a photo over 2 MB sent to a
model of pictures is told to send a smaller image, whatever the form it came in (before, a form
or a body of octet-stream was told "an image of one digit, or a recording of one spoken
digit"); a recording over 4 MB sent to a model of recordings, a shorter recording."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from PIL import Image

from api_helpers import assert_error

from digitnet.web import schemas

pytestmark = pytest.mark.engine_independent  # (the words of a 413; nothing trained here)


@pytest.fixture(scope="module")
def photo() -> bytes:
    """A real PNG of 2000x2000 pixels of noise: about 4 MB, over the 2 MB of pictures."""
    noise = np.random.default_rng(0).integers(0, 256, (2000, 2000), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, format="PNG")
    assert len(out.getvalue()) > schemas.MAX_BODY_BYTES
    return out.getvalue()


@pytest.fixture(scope="module")
def long_recording(spoken_digits) -> bytes:
    """A real spoken 7 in 12 s of 48 kHz stereo 32-bit float WAV: 4.6 MB, over the 4 MB that a
    model of recordings takes."""
    samples, rate = soundfile.read(spoken_digits / "7_jackson_0.wav", dtype="float32")
    assert rate == 8000
    mono = np.zeros(12 * 48_000, np.float32)
    mono[24_000 : 24_000 + 6 * len(samples)] = np.repeat(samples, 6)  # (8 kHz to 48 kHz)
    out = io.BytesIO()
    soundfile.write(out, np.stack([mono, mono], axis=1), 48_000, subtype="FLOAT", format="WAV")
    assert len(out.getvalue()) > schemas.MAX_RECORDING_BYTES
    return out.getvalue()


def sent(client, path: str, data: bytes, kind: str, file_type: str):
    """POST ``data`` to ``path`` as a form's file, as the body with its own Content-Type, as
    octet-stream, or as a body of undeclared length (chunked)."""
    if kind == "form":
        return client.post(path, files={"file": ("upload", data, file_type)})
    if kind == "chunked":
        chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
        return client.post(path, content=chunks, headers={"content-type": file_type})
    return client.post(path, content=data, headers={
        "content-type": file_type if kind == "typed" else "application/octet-stream"})


@pytest.mark.parametrize("kind", ["form", "typed", "octets", "chunked"])
def test_a_photo_too_large_for_a_model_of_pictures_is_told_a_smaller_image(client, photo, kind):
    message = assert_error(sent(client, "/api/predict", photo, kind, "image/png"), 413,
                           "too large", "at most 2,097,152 bytes (2 MB)", "image",
                           "scale the photo down")
    assert "recording" not in message and "spoken" not in message, message


@pytest.mark.parametrize("path", ["/api/predict", "/models/1/api/predict"])
def test_model_1_of_pictures_beside_one_of_recordings_speaks_of_images(two, photo, path):
    message = assert_error(sent(two, path, photo, "form", "image/png"), 413, "2 MB",
                           "smaller image")
    assert "recording" not in message, message


@pytest.mark.parametrize("kind", ["form", "typed", "octets"])
def test_a_recording_too_large_for_a_model_of_recordings_is_told_a_shorter_one(
        two, long_recording, kind):
    message = assert_error(sent(two, "/models/2/api/predict", long_recording, kind,
                                "audio/wav"), 413, "too large", "(4 MB)", "shorter recording")
    assert "image" not in message and "photo" not in message, message
