"""Recordings in every format the installed libsndfile decodes and recorders save (a phone's Opus
voice notes, a Mac's AIFF), read wherever recordings are read; and recordings cut short or with
a damaged header, each said in one line for what it is (truncated, damaged, sampled at 1 Hz),
not in libsndfile's words ("File does not exist", "SF_INFO struct incomplete"), with libmpg123's
own lines kept off stderr. Real recordings (FSDD), converted and cut here."""

from __future__ import annotations

import io
import os
import shutil
import struct
import threading

import numpy as np
import pytest
import soundfile
from audio_refusals import refusal

from digitnet import audio, datasets, kinds, soundcheck
from digitnet.errors import AudioError

SEVEN = "7_nicolas_3.wav"
# each ending, with the format and encoding a recorder saves it in
FORMS = {".wav": ("WAV", "PCM_16"), ".wave": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"),
         ".ogg": ("OGG", "VORBIS"), ".oga": ("OGG", "VORBIS"), ".opus": ("OGG", "OPUS"),
         ".mp3": ("MP3", "MPEG_LAYER_III"), ".aiff": ("AIFF", "PCM_16"),
         ".aif": ("AIFF", "PCM_16"), ".aifc": ("AIFF", "ULAW")}


@pytest.fixture(scope="module")
def word(spoken_digits) -> tuple[np.ndarray, int]:
    """A real spoken seven: float samples, and their rate (8 kHz)."""
    return soundfile.read(spoken_digits / SEVEN, dtype="float32")


def encoded(word, suffix: str) -> bytes:
    """The seven, saved as a file ending in ``suffix`` is saved."""
    fmt, subtype = FORMS[suffix]
    out = io.BytesIO()
    soundfile.write(out, word[0], word[1], format=fmt, subtype=subtype)
    return out.getvalue()



def test_every_ending_a_recorder_saves_is_read_and_decodes_here(word):
    assert set(FORMS) == set(audio.AUDIO_EXTENSIONS)
    available = soundfile.available_formats()
    plain = audio.picture(encoded(word, ".wav"))
    for suffix in audio.AUDIO_EXTENSIONS:
        assert FORMS[suffix][0] in available, suffix
        data = encoded(word, suffix)
        assert kinds.kind_of_bytes(data[:16]) == "audio", suffix
        picture = audio.picture(data, name=f"seven{suffix}")
        # (lossy codecs change the picture a little: the same word all the same)
        assert np.corrcoef(picture.ravel(), plain.ravel())[0, 1] > 0.9, suffix


def test_class_folders_and_fsdd_named_folders_read_opus_and_aiff(word, spoken_digits, tmp_path):
    """The data loaders find recordings by the same endings as predict."""
    voice = tmp_path / "voice"
    for digit in (3, 7):
        (voice / str(digit)).mkdir(parents=True)
        for i, suffix in enumerate((".opus", ".aiff", ".aif", ".wave", ".aifc")):
            samples, rate = soundfile.read(spoken_digits / f"{digit}_george_{i}.wav")
            (voice / str(digit) / f"take{i}{suffix}").write_bytes(encoded((samples, rate),
                                                                          suffix))
    data = datasets.load(voice)
    assert len(data) == 10 and data.note is None
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in sorted(voice.rglob("take*")):
        shutil.copy(path, flat / f"{path.parent.name}_george_1{path.name[4]}{path.suffix}")
    assert kinds.kind_of(flat) == "audio"
    assert len(datasets.load(flat, "all")) == 10


def with_rate(data: bytes, rate: int) -> bytes:
    """A WAV file's bytes with its header's sample rate (and byte rate) replaced."""
    at = data.index(b"fmt ") + 8
    block = struct.unpack("<H", data[at + 12:at + 14])[0]
    return data[:at + 4] + struct.pack("<II", rate, rate * block) + data[at + 12:]


def test_a_header_that_says_1_hz_is_said_to_be_sampled_at_1_hz_not_minutes_long(word):
    message = refusal(with_rate(encoded(word, ".wav"), 1), "rate1hz.wav")
    assert message.startswith("rate1hz.wav: sampled at 1 Hz, too few samples a second")
    assert "minutes" not in message and message.endswith("record at 8 kHz or more")


def test_a_header_that_says_0_hz_or_billions_is_damaged(word):
    message = refusal(with_rate(encoded(word, ".wav"), 0), "rate0.wav")
    assert message == ("rate0.wav: damaged: its WAV header says the sound is sampled at 0 Hz, "
                       "which no recording is; record or export it again, or send the whole file")
    message = refusal(with_rate(encoded(word, ".wav"), 2**31 - 1), "huge.wav")
    assert message.startswith("huge.wav: damaged: its header says the sound is sampled at "
                              "2,147,483,647 Hz, faster than sound cards record")
    assert "too short" not in message


@pytest.mark.parametrize("suffix, said", [
    (".mp3", ("truncated: the MP3 file holds {half:,} of the {whole:,} bytes its header "
              "announces")),
    (".ogg", "truncated: the Ogg file stops {half:,} bytes in, in the middle of a page"),
    (".opus", "truncated: the Ogg file stops {half:,} bytes in, in the middle of a page"),
    (".aiff", ("truncated: the AIFF file holds {sound:,} of the {all_sound:,} bytes of sound "
               "its header announces")),
    (".flac", "damaged or cut short: it begins as a FLAC file, but its sound cannot be decoded"),
])
def test_a_recording_cut_in_half_is_said_to_be_cut_short(word, suffix, said):
    """Not "noise, not speech" (MP3), "not a recording" (Ogg, FLAC) or read as it is (AIFF)."""
    data = encoded(word, suffix)
    half = len(data) // 2
    header = data.index(b"SSND") + 8 if suffix == ".aiff" else 0
    message = refusal(data[:half], f"half{suffix}")
    assert message.startswith(f"half{suffix}: " + said.format(
        half=half, whole=len(data), sound=half - header, all_sound=len(data) - header))
    assert message.endswith("record or export it again, or send the whole file")
    assert "not a recording" not in message and "noise" not in message


@pytest.mark.parametrize("suffix", [".mp3", ".ogg", ".opus", ".flac", ".aiff", ".aifc", ".wav"])
def test_a_recording_cut_after_30_bytes_is_cut_short_in_true_words(word, suffix, capfd):
    message = refusal(encoded(word, suffix)[:30], f"head30{suffix}")
    assert "truncated" in message or "damaged or cut short" in message
    assert not any(words in message for words in ("does not exist", "regular file", "SF_INFO",
                                                  "unimplemented", "not a recording"))
    assert capfd.readouterr().err == ""  # (libmpg123's "a one-frame stream? Duh...", no more)


def test_every_cut_of_an_aiff_header_is_truncated_without_a_traceback(word, capfd):
    """libsndfile seeks before the start of an AIFF cut inside its header: Python printed
    "Exception ignored from cffi callback ... negative seek value" for each."""
    data = encoded(word, ".aiff")
    for cut in range(12, data.index(b"SSND") + 16):
        assert refusal(data[:cut], "cut.aiff").startswith("cut.aiff: truncated: "), cut
    assert capfd.readouterr().err == ""


def mp3_without_its_header(word) -> bytes:
    """The seven as MP3 without its first frame (LAME's Info header, which gives its length):
    as encoders that write none save it."""
    data = encoded(word, ".mp3")
    return data[next(i for i in range(4, len(data)) if data[i:i + 2] == data[:2]):]


def test_libmpg123_keeps_its_own_lines_off_stderr(word, capfd):
    """Two MP3 files joined (longer than its header says: "Warning: Xing stream size off by
    more than 1%") is read; one cut short without a header to tell it ("[src/libmpg123/
    parse.c:do_readahead():1083] warning: ...") is said to be damaged or cut short."""
    twice = encoded(word, ".mp3") * 2
    assert audio.picture(twice, name="twice.mp3").shape == (28, 28)
    message = refusal(mp3_without_its_header(word)[:30], "bare.mp3")
    assert message.startswith("bare.mp3: damaged or cut short: it begins as an MP3 file")
    assert capfd.readouterr().err == ""


def test_what_others_write_to_stderr_while_an_mp3_is_decoded_still_gets_there(word, capfd):
    with soundcheck.decoder_quiet():
        os.write(2, b"Warning: Xing stream size off by more than 1%, fuzzy seeking...\n")
        os.write(2, b"INFO: a request the server logs meanwhile\n")
        os.write(2, b"[src/libmpg123/parse.c:do_readahead():1083] warning: Duh...\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "INFO: a request the server logs meanwhile\nafter\n"
    before = os.fstat(2)
    twice, bare = encoded(word, ".mp3") * 2, mp3_without_its_header(word)[:30]
    errors = []

    def decode():  # (as the server does, in threads)
        for _ in range(5):
            assert audio.read_sound(twice)[1] == 8000
            try:
                audio.read_sound(bare)
            except AudioError:
                continue
            errors.append("read a cut MP3")

    threads = [threading.Thread(target=decode) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and capfd.readouterr().err == ""
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)  # stderr as it was


def test_recordings_misnamed_in_an_fsdd_folder_are_said_to_be_misnamed(spoken_digits, tmp_path):
    folder = tmp_path / "halfnames"
    folder.mkdir()
    for digit in range(3):
        for i in range(4):
            shutil.copy(spoken_digits / f"{digit}_lucas_{i}.wav", folder)
    (folder / "2_lucas_3.wav").rename(folder / "seven.wav")
    (folder / "1_lucas_2.wav").rename(folder / "3 lucas 2.wav")
    note = datasets.load(folder, "all").note
    assert note == (f"{folder}: skipped 2 of 12 files, recordings whose names do not say their "
                    "digit (FSDD names them digit_speaker_index.wav, as 7_lucas_0.wav): "
                    "3 lucas 2.wav, seven.wav; rename them so, or use class folders (7/a.wav)")
    (folder / "0_lucas_3.wav").write_bytes(b"not a recording")
    note = datasets.load(folder, "all").note
    assert note.startswith(f"{folder}: skipped 3 of 12 files: 1 not a recording of one spoken "
                           "digit, to fix or remove (0_lucas_3.wav (")
    assert note.endswith("; and 2 recordings whose names do not say their digit (FSDD names "
                         "them digit_speaker_index.wav, as 7_lucas_0.wav), to rename so or put "
                         "in class folders (3 lucas 2.wav, seven.wav)")
