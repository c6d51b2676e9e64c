"""Recordings in encodings libsndfile decodes only as a stream, from start to end (GSM 6.10, a
phone's and a voice recorder's; G.721; NMS ADPCM): soundfile cannot read them whole ("frames must
be specified for non-seekable files"), so they are read in blocks until they end, wherever
recordings are read; and a ValueError of soundfile's own is one line naming the file, so that
the other recordings of a folder are still read. Real recordings (FSDD), converted here."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from audio_refusals import refusal

from digitnet import audio, datasets, recordings
from digitnet.errors import AudioError
from digitnet.inputs import Audio

pytestmark = pytest.mark.engine_independent  # (files read, nothing trained)

#: (format, subtype) of the encodings libsndfile reads only as a stream, each of which a
#: recording may come in with an ending digitnet reads.
STREAMS = [("WAV", "GSM610"), ("WAV", "G721_32"), ("WAV", "NMS_ADPCM_32"), ("AIFF", "GSM610")]


def converted(path, fmt: str = "WAV", subtype: str = "GSM610") -> bytes:
    """The real recording at ``path``, saved as ``soundfile.write(..., subtype=subtype)``."""
    samples, rate = soundfile.read(path, dtype="float32")
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format=fmt, subtype=subtype)
    return out.getvalue()


@pytest.mark.parametrize("fmt, subtype", STREAMS)
def test_a_recording_decoded_only_as_a_stream_reads_as_the_same_word(spoken_digits, fmt,
                                                                     subtype):
    path = spoken_digits / "7_nicolas_3.wav"
    data = converted(path, fmt, subtype)
    with soundfile.SoundFile(io.BytesIO(data)) as f:
        assert not f.seekable()  # (what made soundfile's whole read fail)
    samples, rate = audio.read_sound(data, name=f"seven.{subtype}")
    original, _ = audio.read_sound(path)
    assert rate == 8000 and abs(len(samples) - len(original)) < 400  # (codec frames' padding)
    plain = audio.picture(path)
    picture = audio.picture(data, name=f"seven.{subtype}")
    # (lossy codecs change the picture a little: the same word all the same)
    assert np.corrcoef(picture.ravel(), plain.ravel())[0, 1] > 0.9


def test_a_gsm_recording_too_long_is_refused_by_its_length(spoken_digits):
    samples, rate = soundfile.read(spoken_digits / "7_nicolas_3.wav", dtype="float32")
    out = io.BytesIO()
    soundfile.write(out, np.tile(samples, 40), rate, format="WAV", subtype="GSM610")
    assert refusal(out.getvalue(), "long.wav").startswith("long.wav: 14.6 s long; ")


def test_a_valueerror_of_soundfile_is_one_line_naming_the_file(spoken_digits, monkeypatch):
    """soundfile's own words for a stream read whole (the read before blocks), as any other
    ValueError it raises while decoding: "not a recording we can read", the file named."""
    def whole(f, name):
        return f.read(dtype="float32", always_2d=True)

    monkeypatch.setattr(audio, "_decoded", whole)
    data = converted(spoken_digits / "3_george_4.wav")
    with pytest.raises(ValueError, match="frames must be specified"):  # (soundfile's words)
        with soundfile.SoundFile(io.BytesIO(data)) as f:
            whole(f, "x")
    for source, name in ((data, "take.wav"), (data, "recording")):
        message = refusal(source, name)
        assert message == (f"{name}: not a recording we can read (it begins as a WAV file, but "
                           "its sound is encoded in a form we cannot decode); export it again "
                           "as 16-bit PCM WAV, or record one spoken digit (WAV, FLAC, Ogg "
                           "(Vorbis or Opus), MP3 or AIFF)")
    # a folder holding it: the others are read, it is skipped and named
    items = [("gsm.wav", data, 3, "george"),
             *[(f"{i}.wav", (spoken_digits / f"3_george_{i}.wav").read_bytes(), 3, "george")
               for i in range(3)]]
    found = recordings.read_items(items, tuple("0123456789"), Audio(), "k", "voice")
    assert found.names == ("0.wav", "1.wav", "2.wav")
    assert found.skipped == ["gsm.wav (not a recording we can read (it begins as a WAV file, "
                             "but its sound is encoded in a form we cannot decode))"]


def test_a_class_folder_of_gsm_and_plain_recordings_reads_them_all(spoken_digits, tmp_path):
    """As `digitnet train --data DIR` reads it: no recording skipped, each read as its digit."""
    folder = tmp_path / "voice"
    for digit in (3, 8):
        (folder / str(digit)).mkdir(parents=True)
        for i in range(4):
            path = spoken_digits / f"{digit}_jackson_{i}.wav"
            data = converted(path) if i == 0 else path.read_bytes()
            (folder / str(digit) / f"take{i}.wav").write_bytes(data)
    data = datasets.load(folder)
    assert len(data) == 8 and data.note is None
    assert sorted(data.labels.tolist()) == [3] * 4 + [8] * 4


def test_read_sound_raises_audioerror_not_valueerror_for_every_stream(spoken_digits):
    """Nothing a stream-only encoding holds escapes as a bare ValueError (cut in half, too)."""
    for fmt, subtype in STREAMS:
        data = converted(spoken_digits / "5_yweweler_1.wav", fmt, subtype)
        for cut in (data, data[:len(data) // 2]):
            try:
                audio.read_sound(cut, name="x")
            except AudioError as e:
                assert str(e).startswith("x: ") and "\n" not in str(e)
