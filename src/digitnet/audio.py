"""Recordings in: a spoken digit becomes a 28x28 picture of its sound, 784 input neurons.

The video's network reads the 784 pixels of a handwritten digit. A spoken digit is turned into
a picture of the same size, and the very same kind of network reads it: a **log-mel
spectrogram**, 28 frequency bands (rows, the highest at the top) by 28 moments in time
(columns), each pixel as bright as the sound is loud there. The steps, with the parameters of an
:class:`~digitnet.inputs.Audio` record (which the model file keeps, so that training,
evaluation, ``predict`` and the page make exactly the same picture):

1. decode the file (WAV, FLAC, Ogg Vorbis or Opus, MP3, AIFF: whatever libsndfile reads,
   :func:`read_sound`), mixed to mono, take off its constant offset (a sound card's DC
   offset), and resample it to ``sample_rate`` (8 kHz: telephone quality, enough to tell
   digits apart);
2. trim the quiet start and end: everything more than ``trim_db`` decibels below the loudest
   moment (:func:`voice`); a recording that repeats itself, a sound played on a loop (as
   Chromium's fake microphone plays its file, or a player set to repeat), is cut to one
   repetition, the one with the least silence inside it; and of sounds parted by pauses of
   a quarter of a second or more, the longest is kept;
3. cut the voice into overlapping windows (``n_fft`` samples every ``hop`` samples), take each
   window's power spectrum and sum it into ``bands`` mel bands (librosa's filterbank: bands
   spaced as the ear spaces pitches, narrow at low frequencies, wide at high ones), from
   ``fmin`` Hz up to half the sample rate;
4. take decibels below the loudest pixel, keep the top ``range_db`` decibels and map them to
   0..255, MNIST's pixel range: silence is black, the loudest sound white (:func:`voice_picture`).
   A voice shorter than ``frames`` windows is centred in the picture; a longer one is read with
   a longer hop, so that it fits.

What cannot be a spoken digit is one line naming the file, what is wrong and what to do (an
:class:`~digitnet.errors.AudioError`): not audio (a picture named ``.wav`` is said to be a
picture, of its format), a truncated or damaged file (:mod:`digitnet.soundcheck`), sampled
too slowly to hold the highest band (told before its length), longer than :data:`MAX_SECONDS`,
silent or too quiet, clipped, too short, noise with nothing spoken in it, or of channels that
cancel out when mixed.

The sound's mathematics comes from librosa (and soxr for resampling, soundfile for decoding),
the field's own library: the ``audio`` extra, ``pip install 'digitnet[audio]'``.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import numpy as np

from . import soundcheck, words
from .errors import AudioError, MissingDependencyError
from .inputs import Audio

__all__ = ["AUDIO_EXTENSIONS", "MAX_SECONDS", "MIN_SECONDS", "read_sound", "voice",
           "voice_picture", "picture", "resample", "hz_to_mel"]

#: File name endings read as recordings (by ``digitnet predict`` and the data loaders): those
#: of the formats libsndfile decodes that recorders save, WAV, FLAC, Ogg (Vorbis or Opus: a
#: phone's voice notes), MP3 and AIFF (a Mac's), each ending tried on a real recording.
AUDIO_EXTENSIONS = (".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif",
                    ".aifc")
#: Recordings longer than this are refused before they are decoded: one digit takes a second.
MAX_SECONDS = 10.0
#: A voice shorter than this, once trimmed, is too short to be a digit.
MIN_SECONDS = 0.05
#: Quieter than this peak (in decibels below full scale) is silence.
SILENT_DBFS = -50.0
#: A recording with more than this share of its samples at full scale is clipped.
CLIPPED_SHARE = 0.01
_WINDOW, _STEP = 256, 64  # samples, at the front end's rate, for trimming and the checks
# A sound played on a loop: its picture matches itself one repetition later. Each of the 2,500
# recordings of the Free Spoken Digit Dataset (five speakers) matches itself at most 0.954
# (Pearson correlation of the decibels of its mel bands, over the frames that overlap, at a lag
# of 0.1 to 2 s); its files played on a loop 2.5 to 6 times from anywhere in them, trimmed, 0.995
# or more in 99 of 100 (515 tried). tests/unit/test_audio.py checks both sides.
_REPEATS = 0.98
_SAYING_SECONDS = (0.1, 2.0)  # how long one repetition may be
# A pause this long splits a recording into sounds, of which the longest is read: within a word
# of the Free Spoken Digit Dataset, trimmed, no pause (15 dB under the loudest) lasts over 0.17 s.
_PAUSE_SECONDS = 0.25
_HINT = f"record one spoken digit ({soundcheck.FORMATS})"


def _librosa():
    try:
        import librosa
    except ImportError:
        raise MissingDependencyError("reading recordings needs the audio extra: "
                                     "pip install 'digitnet[audio]'") from None
    return librosa


def read_sound(source, *, name: str | None = None,
               front_end: Audio | None = None) -> tuple[np.ndarray, int]:
    """Decode a recording: a file path, bytes or a binary file object.

    Returns
    -------
    samples : ndarray, shape (n,), float32 in [-1, 1] (less the offset)
        Mono: the channels' mean, each less its constant offset (its own mean: a sound card's
        DC offset, inaudible but as loud as a hum to trimming and the checks of
        :func:`voice`, so that a recording reads the same with an offset as without).
    rate : int
        Samples per second.

    Raises AudioError: not a recording (a picture, whatever its name, is called a picture, of
    its format), truncated or damaged (:func:`digitnet.soundcheck.check_complete`; or of a
    format told by its first bytes that cannot be decoded), empty, sampled more slowly than
    ``front_end`` (default: :class:`~digitnet.inputs.Audio`'s 8 kHz; looked at before the
    length: a header that says 1 Hz makes minutes of a word) or faster than a sound card
    records, over :data:`MAX_SECONDS`, clipped, or of channels that cancel out when mixed
    (opposite in phase). Every path that reads a recording (``digitnet predict``, the data
    loaders, the API, teaching a voice) reads it through here; libmpg123's own lines on stderr
    are kept off it (:func:`digitnet.soundcheck.decoder_quiet`).
    """
    try:
        import soundfile
    except ImportError:
        raise MissingDependencyError("reading recordings needs the audio extra: "
                                     "pip install 'digitnet[audio]'") from None
    data, name = _bytes(source, name)
    if front_end is not None:
        soundcheck.check_heard_by(front_end, data, name)
    if not data:
        raise AudioError(f"{name}: the file is empty (0 bytes); {_HINT}")
    soundcheck.check_not_a_picture(data, name)
    soundcheck.check_complete(data, name)
    fmt = soundcheck.format_of_bytes(data)
    try:
        with (soundcheck.interrupt_kept(), soundcheck.decoder_quiet(fmt == "MP3"),
              soundfile.SoundFile(io.BytesIO(data)) as f):
            soundcheck.check_rate(f.samplerate, (front_end or Audio()).sample_rate, name)
            _check_length(f.frames, f.samplerate, name)
            samples, rate = _decoded(f, name), f.samplerate
    except AudioError:
        raise
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        if isinstance(e, ValueError):  # (soundfile's own refusal, in words of its arguments)
            began = f"it begins as {_a(fmt)} file, but " if fmt else ""
            raise AudioError(f"{name}: not a recording we can read ({began}its sound is encoded "
                             "in a form we cannot decode); export it again as 16-bit PCM WAV, "
                             f"or {_HINT}") from e
        if fmt is None:
            raise AudioError(f"{name}: not a recording, or not one we read ({_gist(e)}); "
                             f"{_HINT}") from None
        # (libsndfile's words for a file cut short mislead: "File does not exist", of an MP3)
        raise AudioError(f"{name}: damaged or cut short: it begins as {_a(fmt)} file, but its "
                         "sound cannot be decoded (or is encoded in a form we do not read); "
                         f"{soundcheck.CUT_HINT}") from e
    if not len(samples):
        raise AudioError(f"{name}: holds no sound (0 samples); {_HINT}")
    _check_not_clipped(samples.mean(axis=1), name)  # (at full scale: before the offset is off)
    samples = _without_offset(samples)
    mono = samples.mean(axis=1)
    soundcheck.check_not_cancelled(samples, mono, name)
    return mono, int(rate)


def _decoded(f, name: str) -> np.ndarray:
    """The samples of an open SoundFile ``f``, (n, channels) float32: read whole, or, of a
    file libsndfile decodes only as a stream (a WAV of GSM 6.10, a phone's voice recorder's
    encoding: soundfile cannot read it whole), in blocks until it ends."""
    if f.seekable():
        return f.read(dtype="float32", always_2d=True)
    blocks = [np.zeros((0, f.channels), np.float32)]
    while len(block := f.read(1 << 16, dtype="float32", always_2d=True)):
        blocks.append(block)
        _check_length(sum(map(len, blocks)), f.samplerate, name)
    return np.concatenate(blocks)


def _check_length(frames: int, rate: int, name: str) -> None:
    """AudioError when ``frames`` samples at ``rate`` last over :data:`MAX_SECONDS`."""
    if frames / rate > MAX_SECONDS:
        raise AudioError(f"{name}: {words.duration(frames / rate)} long; a spoken digit takes "
                         f"about a second: send one under {MAX_SECONDS:g} s")


def voice(samples: np.ndarray, rate: int, front_end: Audio = Audio(), *,
          name: str = "recording") -> np.ndarray:
    """The spoken part of a recording at the front end's rate: resampled and trimmed.

    Parameters
    ----------
    samples : ndarray, shape (n,), float in [-1, 1]
        Without a constant offset, as :func:`read_sound` gives them (take the mean off samples
        from elsewhere: an offset, inaudible, is as loud as a hum to trimming and the checks).
    rate : int
        Their samples per second.

    Returns
    -------
    ndarray, shape (m,), float32: the voice, at ``front_end.sample_rate``.

    Raises AudioError when the recording is sampled more slowly than the front end, silent or
    too quiet, clipped, too short or noise.
    """
    librosa = _librosa()
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    if not np.isfinite(samples).all():
        raise AudioError(f"{name}: holds samples that are not numbers; {_HINT}")
    soundcheck.check_rate(rate, front_end.sample_rate, name, fastest=None)
    if len(samples) < MIN_SECONDS * rate:
        raise AudioError(f"{name}: too short (the whole recording is {_length(len(samples), rate)}"
                         "); say the whole digit, and keep recording until you have finished")
    peak = float(np.abs(samples).max(initial=0.0))
    if peak == 0:
        raise AudioError(f"{name}: silent (digital silence); speak closer to the microphone, "
                         "or turn its level up")
    if 20 * math.log10(peak) < SILENT_DBFS:
        raise AudioError(f"{name}: too quiet, though not silent (its loudest moment peaks at "
                         f"{20 * math.log10(peak):.1f} dBFS, and a voice must reach "
                         f"{SILENT_DBFS:g} dBFS); speak closer to the microphone, turn its "
                         "level up, or amplify the recording")
    _check_not_clipped(samples, name)
    if rate != front_end.sample_rate:
        samples = resample(samples, rate, front_end.sample_rate)
    spoken, _ = librosa.effects.trim(samples, top_db=front_end.trim_db, frame_length=_WINDOW,
                                     hop_length=_STEP)
    spoken = _one_repetition(librosa, spoken, front_end)
    spoken = _longest_sound(librosa, spoken, front_end)
    if len(spoken) < MIN_SECONDS * front_end.sample_rate:
        length = _length(len(spoken), front_end.sample_rate, " of sound")
        raise AudioError(f"{name}: too short ({length}); say the whole digit, and keep "
                         "recording until you have finished")
    soundcheck.check_not_noise(librosa, samples, spoken, name, window=_WINDOW, step=_STEP,
                               rate=front_end.sample_rate)
    return np.ascontiguousarray(spoken, dtype=np.float32)


def voice_picture(spoken: np.ndarray, front_end: Audio = Audio(), *,
                  hop: int | None = None) -> np.ndarray:
    """The log-mel picture of a voice (from :func:`voice`), shape (bands, frames), uint8.

    ``hop`` replaces the front end's hop: a picture of the same voice spoken slower or faster
    (time stretch augmentation, :mod:`digitnet.sound_augment`); a voice longer than ``frames``
    windows is always read with a hop long enough to fit.
    """
    librosa = _librosa()
    fe = front_end
    step = max(hop or fe.hop, math.ceil(len(spoken) / fe.frames))
    power = librosa.feature.melspectrogram(
        y=spoken, sr=fe.sample_rate, n_fft=fe.n_fft, hop_length=step, n_mels=fe.bands,
        fmin=fe.fmin, fmax=fe.sample_rate / 2, center=True)[:, :fe.frames]
    decibels = librosa.power_to_db(power, ref=float(power.max()) or 1.0, top_db=None)
    pixels = np.round((np.maximum(decibels, -fe.range_db) + fe.range_db) * (255 / fe.range_db))
    pad = fe.frames - pixels.shape[1]
    pixels = np.pad(pixels, ((0, 0), (pad // 2, pad - pad // 2)))
    return pixels[::-1].clip(0, 255).astype(np.uint8)


def picture(source, front_end: Audio = Audio(), *, name: str | None = None) -> np.ndarray:
    """The picture the network hears for a recording (file path, bytes or binary file), with
    ``front_end``'s parameters: shape (bands, frames), uint8, 0 = silence, 255 = loudest."""
    data, name = _bytes(source, name)
    samples, rate = read_sound(data, name=name, front_end=front_end)
    return voice_picture(voice(samples, rate, front_end, name=name), front_end)


def resample(samples: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """``samples`` taken ``rate`` times a second, taken ``new_rate`` times a second instead
    (librosa's resampling, with soxr): shape (n * new_rate / rate,), float32."""
    return _librosa().resample(np.asarray(samples, dtype=np.float32), orig_sr=rate,
                               target_sr=new_rate).astype(np.float32)


def hz_to_mel(frequencies) -> np.ndarray:
    """Frequencies in Hz on the mel scale, in its HTK form, 2595 log10(1 + f / 700) (librosa's
    ``hz_to_mel``): a scale on which steps sound about equally large."""
    return np.asarray(_librosa().hz_to_mel(frequencies, htk=True))


def _bytes(source, name: str | None) -> tuple[bytes, str]:
    """The bytes of a recording and what to call it in errors."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "recording"
    if isinstance(source, (str, os.PathLike)):
        name = name or os.fspath(source)
        try:
            size = os.path.getsize(source)
            if size > 64 * 1024 * 1024:
                raise AudioError(f"{name}: {size // (1024 * 1024)} MB, far longer than a spoken "
                                 f"digit; send one under {MAX_SECONDS:g} s")
            return Path(source).read_bytes(), name
        except FileNotFoundError:
            raise AudioError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise AudioError(f"{name}: is a folder, not a recording") from None
        except OSError as e:
            raise AudioError(f"{name}: cannot read it ({e.strerror or e})") from None
    if hasattr(source, "read"):
        return source.read(), name or getattr(source, "name", None) or "recording"
    raise AudioError(f"{name or 'recording'}: cannot read a {type(source).__name__}; give a "
                     "file path, bytes or a binary file object")


def _one_repetition(librosa, spoken: np.ndarray, front_end: Audio) -> np.ndarray:
    """``spoken`` itself, or one repetition of it when it repeats itself (see ``_REPEATS``):
    of the stretches one repetition long, those whose loud part is shortest, so those that hold
    a whole saying rather than the end of one and the start of the next, and of them the one
    that starts and ends most quietly; trimmed."""
    fe, step = front_end, _STEP // 2  # frames of 4 ms at 8 kHz: a repetition's length to 2 ms
    shortest, longest = (round(s * fe.sample_rate / step) for s in _SAYING_SECONDS)
    if len(spoken) < 2 * shortest * step:  # too short to hold a repetition and some of another
        return spoken
    mel = librosa.feature.melspectrogram(y=spoken, sr=fe.sample_rate, n_fft=_WINDOW,
                                         hop_length=step, n_mels=fe.bands, fmin=fe.fmin)
    mel = librosa.power_to_db(mel, ref=float(mel.max()) or 1.0, top_db=fe.range_db)
    n = mel.shape[1]
    lags = np.arange(shortest, min(longest, n - shortest) + 2)
    match = _matches(mel, lags)
    found = np.flatnonzero((match[:-1] >= _REPEATS) & (match[:-1] >= match[1:]))
    if not len(found):
        return spoken
    lag = int(lags[found[0]])
    # the first such lag may be two or more repetitions (a repetition's length falls between
    # two frames): the shortest whole part of it that the sound matches nearly as well at
    parts = [lag // k + d for k in range(lag // shortest, 1, -1) for d in (0, 1)]
    lag = next((p for p, m in zip(parts, _matches(mel, parts)) if m >= _REPEATS - 0.03), lag)
    level = librosa.amplitude_to_db(librosa.feature.rms(
        y=spoken, frame_length=_WINDOW, hop_length=step)[0], ref=np.max)
    loud = np.flatnonzero(level >= -fe.trim_db)
    starts = np.arange(n - lag + 1)  # each stretch's loud part: its first to its last loud frame
    first = loud[np.minimum(np.searchsorted(loud, starts), len(loud) - 1)]
    last = loud[np.maximum(np.searchsorted(loud, starts + lag - 1, side="right") - 1, 0)]
    span = last - first  # (frames a window long blur it: any within a window of the least)
    near = np.flatnonzero(span <= span.min() + _WINDOW // step)
    start = int(near[np.argmin(level[near] + level[near + lag - 1])])
    one, _ = librosa.effects.trim(spoken[start * step:(start + lag) * step],
                                  top_db=fe.trim_db, frame_length=_WINDOW, hop_length=_STEP)
    return one


def _longest_sound(librosa, spoken: np.ndarray, front_end: Audio) -> np.ndarray:
    """The longest of the sounds in ``spoken`` that pauses of :data:`_PAUSE_SECONDS` or more
    part (all of it when there is no such pause): the whole saying, not the start of another
    that a recording on a loop caught, nor a cough after the digit."""
    parts = librosa.effects.split(spoken, top_db=front_end.trim_db, frame_length=_WINDOW,
                                  hop_length=_STEP)
    after = np.flatnonzero(parts[1:, 0] - parts[:-1, 1] >= _PAUSE_SECONDS * front_end.sample_rate)
    if not len(after):
        return spoken
    starts, ends = parts[np.r_[0, after + 1], 0], parts[np.r_[after, len(parts) - 1], 1]
    longest = int(np.argmax(ends - starts))  # (the first of the longest)
    return spoken[starts[longest]:ends[longest]]


def _matches(mel: np.ndarray, lags) -> np.ndarray:
    """How well a picture matches itself each of ``lags`` frames later: the correlation of the
    frames that overlap (-1 where there are none, or one side is flat)."""
    mel = mel.astype(np.float64)
    bands, n = mel.shape
    sums = np.concatenate([[0.0], np.cumsum(mel.sum(axis=0))])  # of the first k frames
    squares = np.concatenate([[0.0], np.cumsum((mel ** 2).sum(axis=0))])
    out = np.full(len(lags), -1.0)
    for i, lag in enumerate(lags):
        m = n - lag  # frames that overlap
        if lag <= 0 or m <= 0:
            continue
        count, a, b = m * bands, sums[m], sums[n] - sums[lag]
        var_a, var_b = squares[m] - a * a / count, squares[n] - squares[lag] - b * b / count
        if var_a > 1e-9 * count and var_b > 1e-9 * count:
            both = np.einsum("ij,ij->", mel[:, :m], mel[:, lag:])
            out[i] = (both - a * b / count) / np.sqrt(var_a * var_b)
    return out


def _check_not_clipped(samples: np.ndarray, name: str) -> None:
    """AudioError when over :data:`CLIPPED_SHARE` of the samples (n,) are at full scale."""
    clipped = float(np.mean(np.abs(samples) >= 0.999))
    if clipped > CLIPPED_SHARE:
        raise AudioError(f"{name}: clipped ({clipped:.0%} of its samples at full scale, so the "
                         "sound is distorted); record again a little further from the "
                         "microphone, or turn its level down")


def _without_offset(samples: np.ndarray) -> np.ndarray:
    """``samples`` (n, channels), float32, each channel less its mean: the constant offset a
    microphone or sound card adds, taken off by subtracting it, as Audacity's "Remove DC offset"
    does over a clip (and Kaldi's ``remove_dc_offset`` over each window). A high-pass filter
    would start with a step the size of the offset, and would also change the low sounds of
    recordings that have none. The mean is taken in float64: an offset of whole 16-bit steps
    comes off to float32's precision."""
    return (samples - samples.mean(axis=0, dtype=np.float64)).astype(np.float32)


def _length(samples: int, rate: int, what: str = "") -> str:
    """How long ``samples`` samples at ``rate`` a second last, in words, ``what`` after the
    number: "120 ms", or "1 sample, under 1 ms" where milliseconds would round to 0."""
    if samples * 1000 >= rate:
        return f"{samples * 1000 / rate:.0f} ms{what}"
    return f"{samples} sample{'s' * (samples != 1)}{what}, under 1 ms"


def _a(fmt: str) -> str:
    """The format with its article: "a WAV", "an MP3"."""
    return f"{'an' if fmt[0] in 'AMO' else 'a'} {fmt}"


def _gist(error: Exception) -> str:
    text = str(error).split(": ", 1)[-1] if "Error opening" in str(error) else str(error)
    return text.strip().rstrip(".") or type(error).__name__
