"""Every place that names the formats of recordings names all that are read: the help texts, the
API's descriptions and messages say soundcheck.FORMATS, and the page's upload button accepts every
ending of audio.AUDIO_EXTENSIONS (a phone's Opus voice note, a Mac's AIFF)."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from digitnet import audio, soundcheck

pytestmark = pytest.mark.engine_independent  # (texts read, nothing trained)


def test_the_upload_button_accepts_every_ending_read():
    script = resources.files("digitnet.web").joinpath("static/js/microphone.js").read_text()
    accept = re.search(r'id="\$\{id\("upload-sound"\)\}" type="file" accept="([^"]+)"', script)
    endings = set(accept.group(1).split(","))
    assert endings - {"audio/*"} == set(audio.AUDIO_EXTENSIONS)


def test_the_formats_named_cover_every_ending():
    named = soundcheck.FORMATS.lower()
    for ending in audio.AUDIO_EXTENSIONS:
        kind = {".wave": "wav", ".oga": "ogg", ".aif": "aiff", ".aifc": "aiff"}.get(ending,
                                                                                  ending[1:])
        assert kind in named, ending


def test_the_help_texts_name_them_all():
    from click.testing import CliRunner

    from digitnet.cli import cli

    for command in (["predict", "--help"], ["show", "network", "--help"]):
        text = " ".join(CliRunner().invoke(cli, command).output.split())
        assert f"({soundcheck.FORMATS})" in text, command  # Opus too, not "Ogg" alone
