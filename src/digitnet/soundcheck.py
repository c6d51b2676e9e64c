"""What cannot be a spoken digit, told from its bytes or its samples: the checks the audio front
end (:mod:`digitnet.audio`) makes before and after it finds the voice in a recording. Each
raises an :class:`~digitnet.errors.AudioError`, one line naming the recording, what is wrong
and what to do.

* a picture, whatever its name (a PNG named ``seven.wav``): its bytes begin as a picture's do
  (:func:`kind_of_bytes`, also :func:`digitnet.kinds.kind_of_bytes`; it lives here because
  :mod:`digitnet.kinds` imports the data loaders, which read through the front end, so the
  front end cannot import kinds);
* a recording cut short (truncated): a WAV or AIFF file whose sound stops before its header
  says it ends, an MP3 file shorter than the Xing or Info header in its first frame says, an
  Ogg file that stops in the middle of a page; or a WAV header that says its sound is sampled
  at 0 Hz (damaged);
* noise with nothing spoken in it: hiss, or a sound whose loudness hardly changes;
* channels that cancel out when mixed to mono (opposite in phase);
* a sample rate too low for the front end, or too high for any sound card (:func:`check_rate`).

Before any of these, :func:`check_heard_by` raises a :class:`~digitnet.errors.DataError` for a
front end that hears no recordings: the input record of a model of pictures or of a table.

And while a recording is decoded, :func:`decoder_quiet` keeps the MP3 decoder's own lines off
the terminal, and :func:`interrupt_kept` a Ctrl-C that lands in the decoder's callbacks.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import struct
import sys
import tempfile
import threading
import warnings

import numpy as np

from .errors import AudioError, DataError

__all__ = ["CUT_HINT", "FASTEST_RATE", "FORMATS", "check_complete", "check_heard_by",
           "check_not_a_picture", "check_not_cancelled", "check_not_noise", "check_rate",
           "decoder_quiet", "format_of_bytes", "interrupt_kept", "kind_of_bytes"]

# Noise with nothing spoken in it: a spectrum as flat as hiss where the sound is loud (a voice's
# harmonics and formants make it lumpy where it is voiced: the flatness of the loud part's
# windows, at its lower quartile, is under 0.09 in every recording of the Free Spoken Digit
# Dataset, their offsets taken off, about 0.52 in white noise; not at its median, which reaches
# 0.33 in words whose hiss-like consonants fill half of them, "three", "six"), or a loudness that
# hardly changes (a voice rises out of the quiet around it and falls: the loudest twentieth of
# the windows of its loud part, what trimming keeps, are at least 6.3 dB above the quietest
# twentieth of the whole recording's, 1.1 dB in white noise, 3.4 dB in rumble, 0.5 in hum). The
# loud level is taken over the loud part, not the whole recording, so that a word in seconds of
# quiet, a few percent of its windows, still reaches it. tests/unit/test_audio.py checks both
# sides.
_NOISE_FLATNESS, _FLAT_PERCENTILE = 0.3, 25
_STEADY_DB = 5.0
# A recording that would be judged noise but lasts less than this is too short to be judged: a
# piece of a word is as steady (a vowel) or as flat (an "s") as noise, and a piece is what a
# recording stopped early holds. Of pieces cut from the middle of FSDD's recordings (every
# fifth), 92% of those 50 ms long are judged noise, 50% at 100 ms, 24% at 150 ms, 10% at 200 ms,
# 6% at 250 ms, 3% at 300 ms; no whole recording of FSDD is, the shortest voice 72 ms long once
# trimmed. tests/unit/test_audio.py checks the noise (a second of it),
# tests/unit/test_short_voice_pieces.py the pieces and hiss and hum a little longer than this.
_JUDGED_SECONDS = 0.25
_CANCELLED_DB = 20.0  # channels whose mix is this far under their own loudness cancel
#: Samples a second: a header that says more is damaged (sound cards record 768 kHz at most).
FASTEST_RATE = 768_000
# libmpg123's own lines on stderr (:func:`decoder_quiet`): "Warning: ...", "Note: ...",
# "[src/libmpg123/parse.c:do_readahead():1083] warning: ..." (its errors, too, in that form)
_MPG123_LINE = re.compile(rb"\[[^\]\n]*libmpg123[^\]\n]*\] |(Warning|Note): ")
_STDERR_LOCK = threading.Lock()
#: The formats of recordings read (those of :data:`digitnet.audio.AUDIO_EXTENSIONS`), as help
#: texts and messages name them.
FORMATS = "WAV, FLAC, Ogg (Vorbis or Opus), MP3 or AIFF"


def kind_of_bytes(data: bytes) -> str | None:
    """"audio" for the bytes of a recording (:func:`format_of_bytes`), "images" for those of a
    picture (PNG, JPEG, GIF, BMP, WebP, TIFF), told by how such files begin (an upload's name
    says nothing); else None."""
    if format_of_bytes(data):
        return "audio"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" or data.startswith(
            (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")) or (
            data[:2] == b"BM" and data[6:10] == bytes(4)):  # (a BMP: "BM", size, 4 zero bytes)
        return "images"
    return None


def format_of_bytes(data: bytes) -> str | None:
    """The format of a recording, told by how its bytes begin: "WAV", "FLAC", "Ogg" (Vorbis
    and Opus), "MP3" or "AIFF" (AIFF-C too); else None."""
    if data[:4] in (b"RIFF", b"RF64") and data[8:12] == b"WAVE":
        return "WAV"
    if data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    formats = {b"fLaC": "FLAC", b"OggS": "Ogg", b"ID3": "MP3"}
    found = next((f for start, f in formats.items() if data.startswith(start)), None)
    if found is None and len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        return "MP3"  # (an MPEG audio frame)
    return found


def check_not_a_picture(data: bytes, name: str) -> None:
    """A file whose bytes are a picture's (:func:`kind_of_bytes`), whatever its name, is not a
    recording: say so, with its format as Pillow names it from the first bytes ("PNG"), rather
    than libsndfile's "Format not recognised"."""
    if kind_of_bytes(data) != "images":
        return
    from PIL import Image, UnidentifiedImageError

    try:  # (Pillow names the format from the file's first bytes, reading no more)
        with warnings.catch_warnings():  # (a picture too large to decode is still a picture)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        fmt = ""
    raise AudioError(f"{name}: is a picture{f' ({fmt})' if fmt else ''}, not a recording; record "
                     f"one spoken digit, or use a recording of one ({FORMATS})")


#: What a model of pictures or of a table reads (by its input's kind), as ``digitnet predict``
#: says it, and what reads that in Python.
_READS = {"images": ("reads pictures", "pictures (digitnet.preprocess.to_mnist reads one)"),
          "table": ("reads a table's rows", "rows (digitnet.tables.read_features reads them)")}


def check_heard_by(front_end, data: bytes, name: str) -> None:
    """A DataError unless ``front_end`` is the audio front end of a model of recordings (an
    :class:`~digitnet.inputs.Audio`): the record of a model of pictures or of a table
    (``digitnet.inputs.of(net)``) is said to be one, in ``digitnet predict``'s words."""
    kind = getattr(front_end, "kind", None)
    if kind == "audio" and hasattr(front_end, "sample_rate"):
        return
    if kind not in _READS:
        raise DataError(f"{name}: the front end given is {type(front_end).__name__}, not an "
                        "audio one; pass digitnet.inputs.of(net) of a model of recordings, or "
                        "digitnet.inputs.Audio()")
    what = "a picture" if kind_of_bytes(data) == "images" else "a recording"
    reads, give = _READS[kind]
    raise DataError(f"{name}: {what}, and this model {reads}, not recordings; give it {give}, or "
                    "use a model trained on recordings")


def check_complete(data: bytes, name: str) -> None:
    """A recording cut short, told from its bytes, before a decoder reads what is there without a
    word (WAV, AIFF) or says something beside the point ("File does not exist", of an MP3): a
    WAV or AIFF file whose sound data stops before the length its header gives, an MP3 file
    shorter than the length its Xing or Info header gives (LAME's, and most encoders'), an Ogg
    file that stops in the middle of a page. A WAV header that says the sound is sampled at
    0 Hz, or holds no channels, is damaged (libsndfile: "SF_INFO struct incomplete"). A FLAC
    file cut short is told only when its decoder fails (:func:`digitnet.audio.read_sound`:
    "damaged or cut short"): its frames give no length to check against."""
    cut = {"WAV": _wav_cut, "AIFF": _aiff_cut, "MP3": _mp3_cut,
           "Ogg": _ogg_cut}.get(format_of_bytes(data), lambda data, name: None)(data, name)
    if cut:
        raise AudioError(f"{name}: truncated: {cut}; {CUT_HINT}")


#: What to do with a recording cut short or damaged.
CUT_HINT = "record or export it again, or send the whole file"


def _wav_cut(data: bytes, name: str) -> str | None:
    """How a WAV file is cut short, or None. Streaming writers that leave the length at 0 or
    0xFFFFFFFF are let through (RF64 gives it elsewhere)."""
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        if chunk == b"fmt " and size >= 8 and len(data) >= at + 16:
            channels, rate = struct.unpack("<HI", data[at + 10:at + 16])
            if not channels or not rate:
                what = ("it holds 0 channels, which no recording does" if not channels else
                        "the sound is sampled at 0 Hz, which no recording is")
                raise AudioError(f"{name}: damaged: its WAV header says {what}; {CUT_HINT}")
        if chunk == b"data":
            return _sound_cut("WAV", len(data) - at - 8, size, data[:4] == b"RIFF")
        at += 8 + size + (size & 1)
    return "a WAV header with no sound data after it"


def _aiff_cut(data: bytes, name: str) -> str | None:
    """How an AIFF (or AIFF-C) file is cut short, or None: big-endian chunks, the sound in
    ``SSND``."""
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at:at + 4], struct.unpack(">I", data[at + 4:at + 8])[0]
        if chunk == b"SSND":
            return _sound_cut("AIFF", len(data) - at - 8, size)
        at += 8 + size + (size & 1)
    return "an AIFF header with no sound data after it"


def _sound_cut(fmt: str, have: int, size: int, sized: bool = True) -> str | None:
    if not sized or size in (0, 0xFFFFFFFF) or have >= size:
        return None
    return f"the {fmt} file holds {have:,} of the {size:,} bytes of sound its header announces"


def _mp3_cut(data: bytes, name: str) -> str | None:
    """How an MP3 file is cut short, or None: shorter by over 1% (as libmpg123 allows) than its
    first frame's Xing or Info header says, counting from that frame (tags before it left out);
    or stopping inside that header."""
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # (an ID3v2 tag: its size in 7-bit bytes)
        start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
        start += 10 * bool(data[5] & 0x10)  # (and a footer)
    first = data[start:start + 4 + 32 + 12]  # (the header follows 9 to 32 bytes of side data)
    at = max(first.find(b"Xing"), first.find(b"Info"))
    if at < 0:
        return None
    fields = data[start + at + 4:start + at + 16]
    flags = struct.unpack(">I", fields[:4])[0] if len(fields) >= 4 else 0
    at_bytes = 4 + 4 * (flags & 1)  # (the length in bytes, after the frames when given)
    if len(fields) < 4 or flags & 2 and len(fields) < at_bytes + 4:
        return f"the MP3 file stops inside its first frame, {len(data):,} bytes in"
    if not flags & 2:
        return None
    size, have = struct.unpack(">I", fields[at_bytes:at_bytes + 4])[0], len(data) - start
    if have >= size - size // 100:
        return None
    return f"the MP3 file holds {have:,} of the {size:,} bytes its header announces"


def _ogg_cut(data: bytes, name: str) -> str | None:
    """How an Ogg file is cut short, or None: stopping in the middle of a page (each gives the
    length of its body in the table after its 27 bytes of header)."""
    at = 0
    while at < len(data) and data[at:at + 4] == b"OggS":  # (anything else: the decoder tells)
        table = data[at + 27:at + 27 + data[at + 26]] if len(data) > at + 26 else b""
        end = at + 27 + len(table) + sum(table)
        if len(data) <= at + 26 or len(table) < data[at + 26] or end > len(data):
            return f"the Ogg file stops {len(data):,} bytes in, in the middle of a page"
        at = end
    return None


def check_rate(rate: int, slowest: int, name: str, fastest: int | None = FASTEST_RATE) -> None:
    """AudioError when a recording is sampled more slowly than ``slowest`` (the front end's
    rate), or faster than ``fastest`` (a damaged header)."""
    # The bands reach half the front end's rate (voice_picture's fmax) and a recording holds no
    # sound above half its own rate, so one sampled more slowly than the front end would leave the
    # top bands empty: a picture unlike any the network learned from, guessed all the same.
    if rate < slowest:
        raise AudioError(f"{name}: sampled at {rate:,} Hz, too few samples a second to hold the "
                         f"pitches the network listens to (up to {slowest // 2:,} Hz); record "
                         f"at {slowest / 1000:g} kHz or more")
    if fastest and rate > fastest:
        raise AudioError(f"{name}: damaged: its header says the sound is sampled at {rate:,} Hz, "
                         f"faster than sound cards record ({fastest // 1000:,} kHz at most); "
                         f"{CUT_HINT}")


@contextlib.contextmanager
def interrupt_kept():
    """While a recording is decoded (in the main thread, where Ctrl-C raises), keep a Ctrl-C
    that lands in soundfile's callbacks, which libsndfile calls to read the recording's bytes:
    a KeyboardInterrupt raised in a C callback cannot reach its caller, and Python would print
    it ("Exception ignored from cffi callback", a traceback) and drop it, the callback failing
    (the recording then "not recognised", or its samples read from the wrong place) and the
    reading going on as if Ctrl-C had never come. Kept, it is raised once the decoder returns,
    whatever became of the decode."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept, before = [], sys.unraisablehook

    def keep(unraisable):
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            kept.append(unraisable.exc_value)
        else:
            before(unraisable)

    sys.unraisablehook = keep
    try:
        yield
    finally:
        if sys.unraisablehook is keep:
            sys.unraisablehook = before
        if kept:
            raise (kept[0] if isinstance(kept[0], KeyboardInterrupt) else KeyboardInterrupt(
                )) from None  # (the decode's own failure, if any, came of it)


@contextlib.contextmanager
def decoder_quiet(quiet: bool = True):
    """While a recording is decoded, keep the decoder's own lines off the process's stderr:
    libmpg123, which libsndfile decodes MP3 with, writes warnings there itself ("Warning: Xing
    stream size off by more than 1%", "[src/libmpg123/parse.c:...] warning: ..."), C writing
    to file descriptor 2, which no Python setting reaches. It is pointed at a temporary file for
    the decode, one decode at a time (a lock: the server decodes in threads); what others wrote
    meanwhile is written to stderr after, only libmpg123's lines left out. What went wrong
    reaches the caller as libsndfile's error, not these lines."""
    if not quiet:
        yield
        return
    with _STDERR_LOCK, contextlib.ExitStack() as stack:
        try:
            if sys.stderr is not None:
                sys.stderr.flush()  # (what Python holds goes out before, not into the file)
            caught = stack.enter_context(tempfile.TemporaryFile())
            saved = os.dup(2)
            stack.callback(os.close, saved)
            os.dup2(caught.fileno(), 2)
        except (OSError, ValueError):  # (no stderr, or nowhere to put its lines: let them be)
            saved = None
        try:
            yield
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                caught.seek(0)
                kept = b"".join(line for line in caught.read().splitlines(keepends=True)
                                if not _MPG123_LINE.match(line))
                while kept:
                    kept = kept[os.write(2, kept):]


def check_not_noise(librosa, samples: np.ndarray, spoken: np.ndarray, name: str, *,
                    window: int, step: int, rate: int) -> None:
    """AudioError when the recording is hiss or a steady sound rather than a voice (see the
    thresholds' comment above): ``samples`` is the whole recording, ``spoken`` its loud part,
    both without a constant offset, at ``rate`` samples a second (the front end's: 8 kHz, as
    :class:`digitnet.inputs.Audio`'s); ``window`` and ``step`` (samples) those of the
    trimming. How loud the voice is comes from the loud part, how quiet the quiet is from the
    whole. A recording shorter than :data:`_JUDGED_SECONDS` that would be judged noise is said
    to be too short instead, as is a loud part that short rising out of quiet (flat as hiss: an
    "s"): a piece of a word, as a recording stopped early holds, is as steady or as flat as
    noise. (A loud part alone is no measure of a steady sound: trimming keeps one period of
    hum.)"""
    flatness = float(np.percentile(librosa.feature.spectral_flatness(
        y=spoken, n_fft=window, hop_length=step, center=False), _FLAT_PERCENTILE))
    loud, whole = (20 * np.log10(librosa.feature.rms(
        y=y, frame_length=window, hop_length=step, center=False)[0] + 1e-10)
        for y in (spoken, samples))
    spread = np.percentile(loud, 95) - np.percentile(whole, 5)
    if flatness > _NOISE_FLATNESS or spread < _STEADY_DB:
        judged = _JUDGED_SECONDS * rate  # (a steady sound's loud part can be one period of
        if len(samples) < judged or len(spoken) < judged and spread >= _STEADY_DB:  # it: hum's)
            raise AudioError(f"{name}: too short ({1000 * len(spoken) / rate:.0f} ms of sound, "
                             "too little to be a whole spoken digit); say the whole digit, and "
                             "keep recording until you have finished")
        kind = "hiss" if flatness > _NOISE_FLATNESS else "a steady sound"
        raise AudioError(f"{name}: noise, not speech ({kind} with no rise and fall of a voice); "
                         "record in a quieter place, and say one digit")


def check_not_cancelled(channels: np.ndarray, mono: np.ndarray, name: str) -> None:
    """AudioError when the channels (n, channels) cancel out in their mix to ``mono``, as those
    opposite in phase do (a miswired microphone, an editor's phase inversion); others (alike,
    silent, unrelated) mix to about their mean loudness, never :data:`_CANCELLED_DB` under.
    ``channels`` are without their constant offsets, which mixing would keep (a sound card
    adds the same to both), hiding the cancelling."""
    uncancelled = float(np.abs(channels).mean(axis=1).max())  # the mix, had nothing cancelled
    mixed = float(np.abs(mono).max())
    if channels.shape[1] > 1 and uncancelled > 0 and (
            mixed == 0 or 20 * math.log10(mixed / uncancelled) < -_CANCELLED_DB):
        mix = "is digital silence" if mixed == 0 else f"at {20 * math.log10(mixed):.0f} dBFS"
        loudest = 20 * math.log10(float(np.abs(channels).max()))
        raise AudioError(f"{name}: its {channels.shape[1]} channels cancel out when mixed to "
                         f"mono (they are opposite in phase: the loudest peaks at "
                         f"{loudest:.0f} dBFS, their mix {mix}); use one channel alone: save "
                         "it as a mono recording (sox IN.wav OUT.wav remix 1)")
