"""The spoken call, "请A001号到3号窗口办理": the pinyin it is read from, what espeak-ng says
(checked by its phonemes and by the audio itself), the day's cache, and refused names."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import wave
from array import array

import pytest

from servicehall.queueing import voice

from .conftest import DAY

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is missing (make system-deps)"
)


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


# --- the words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "yi1"),
        (2, "er4"),
        (3, "san1"),
        (10, "shi2"),
        (12, "shi2 er4"),
        (20, "er4 shi2"),
        (21, "er4 shi2 yi1"),
        (100, "yi1 bai3"),
        (105, "yi1 bai3 ling2 wu3"),
        (110, "yi1 bai3 yi1 shi2"),
        (999, "jiu3 bai3 jiu3 shi2 jiu3"),
    ],
)
def test_window_numbers_are_read_as_numbers(number, words):
    assert " ".join(voice.number_pinyin(number)) == words


def test_ticket_numbers_are_read_digit_by_digit_after_the_letter():
    assert voice.ticket_pinyin("A001") == ["ei1", "ling2", "ling2", "yi1"]
    assert voice.ticket_pinyin("W1020") == ["da2 bu5 liu3", "yi1", "ling2", "er4", "ling2"]


def test_the_sentence_and_its_pinyin():
    assert voice.sentence("A001", 3) == "请A001号到3号窗口办理"
    assert voice.pinyin("A001", 3) == (
        "qing3 ei1 ling2 ling2 yi1 hao4, dao4 san1 hao4 chuang1 kou3 ban4 li3."
    )
    assert voice.pinyin("B120", 12) == (
        "qing3 bi4 yi1 er4 ling2 hao4, dao4 shi2 er4 hao4 chuang1 kou3 ban4 li3."
    )


@pytest.mark.parametrize(
    ("ticket", "window"),
    [("a001", 1), ("A01", 1), ("A00001", 1), ("AA001", 1), ("A001", 0), ("A001", 1000)],
)
def test_anything_else_is_not_a_call(ticket, window):
    assert not voice.valid(ticket, window)
    with pytest.raises(ValueError):
        voice.pinyin(ticket, window)


# --- what espeak-ng says -------------------------------------------------------------------


def _syllables(phonemes: str) -> list[str]:
    return [part.strip() for part in phonemes.replace("\n", " ").split("_|") if part.strip()]


@needs_espeak
def test_the_voice_says_each_syllable_with_its_tone():
    said = _syllables(voice.phonemes(voice.pinyin("A001", 3)))

    # espeak-ng's mnemonics: tone contours as Chao numbers (55 first tone, 35 second,
    # 214/21 third, 51 fourth).
    assert said == [
        "tS;h'i21N",  # qing3
        "'ei55",  # A: ei1
        "l'i35N", "l'i35N",  # ling2 ling2
        "j'i55",  # yi1
        "X'Au51",  # hao4
        "t'Au51",  # dao4
        "s'a55n",  # san1
        "X'Au51",  # hao4
        "ts.hw'A55N",  # chuang1
        "kh'ou21",  # kou3
        "p'a51n",  # ban4
        "l'i214",  # li3
    ]  # fmt: skip


@needs_espeak
def test_every_letter_and_digit_is_read_as_pinyin_not_spelt():
    for reading in [*voice.LETTERS.values(), *voice.DIGITS, "bai3", "shi2"]:
        said = _syllables(voice.phonemes(reading))
        # One syllable a word: an unknown spelling would be read letter by letter.
        assert len(said) == len(reading.split()), reading


def _analyse(audio: bytes) -> tuple[wave._wave_params, array]:
    with wave.open(io.BytesIO(audio)) as clip:
        params = clip.getparams()
        samples = array("h", clip.readframes(params.nframes))
    return params, samples


def _rms(samples) -> float:
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5 / 32768


@needs_espeak
def test_the_clip_is_speech_of_a_few_seconds_after_a_short_silence():
    params, samples = _analyse(voice.synthesize(voice.pinyin("A001", 3)))

    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 22050)
    seconds = params.nframes / params.framerate
    assert 3 < seconds < 7
    lead = int(voice.LEAD_SECONDS * params.framerate)
    assert max(abs(s) for s in samples[:lead]) == 0
    # Speech all along: every half second of the middle has sound in it.
    middle = samples[lead : len(samples) - int(0.5 * params.framerate)]
    step = params.framerate // 2
    loudness = [_rms(middle[i : i + step]) for i in range(0, len(middle) - step, step)]
    assert min(loudness) > 0.02, loudness
    assert _rms(middle) > 0.05


@needs_espeak
@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is missing (make system-deps)")
def test_sox_hears_the_same_clip(tmp_path):
    path = tmp_path / "call.wav"
    path.write_bytes(voice.synthesize(voice.pinyin("C123", 12)))

    stat = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True)
    figures = dict(
        (name.strip(), value.strip())
        for name, _sep, value in (line.partition(":") for line in stat.stderr.splitlines())
    )
    assert 3 < float(figures["Length (seconds)"]) < 8
    assert float(figures["RMS     amplitude"]) > 0.05
    assert float(figures["Maximum amplitude"]) < 1.0  # not clipped


# --- the page that serves clips ------------------------------------------------------------


@needs_espeak
def test_a_clip_is_made_once_and_served_from_the_cache(client, hall, monkeypatch, _var_dir):
    response = client.get("/hall/voice/A001/3.wav")

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert "max-age=86400" in response["Cache-Control"]
    cached = _var_dir / "voice" / DAY.isoformat() / "A001-3.wav"
    assert cached.read_bytes() == response.content

    def no_espeak(*args):
        raise AssertionError("synthesised again")

    monkeypatch.setattr(voice, "_espeak", no_espeak)
    again = client.get("/hall/voice/A001/3.wav")
    assert again.status_code == 200
    assert again.content == response.content


@needs_espeak
def test_the_first_clip_of_a_day_clears_the_earlier_days(client, hall, _var_dir):
    old = _var_dir / "voice" / (DAY - dt.timedelta(days=1)).isoformat()
    old.mkdir(parents=True)
    (old / "A001-1.wav").write_bytes(b"old")

    assert client.get("/hall/voice/B002/2.wav").status_code == 200

    assert sorted(p.name for p in (_var_dir / "voice").iterdir()) == [DAY.isoformat()]


@needs_espeak
def test_past_the_days_limit_clips_are_served_but_not_kept(client, hall, monkeypatch, _var_dir):
    monkeypatch.setattr(voice, "CACHE_LIMIT", 1)
    client.get("/hall/voice/A001/1.wav")

    response = client.get("/hall/voice/A002/1.wav")

    assert response.status_code == 200 and len(response.content) > 10_000
    assert [p.name for p in (_var_dir / "voice" / DAY.isoformat()).iterdir()] == ["A001-1.wav"]


@pytest.mark.parametrize(
    "name",
    [
        "a001/1.wav",  # a lower-case letter
        "A01/1.wav",  # too few digits
        "A00001/1.wav",  # too many
        "AB01/1.wav",
        "A001/0.wav",  # no window 0
        "A001/01.wav",
        "A001/1000.wav",
        "A001/1.mp3",
        "A001/1.wav/x",
        "..%2F..%2Fsecret/1.wav",
        "A001/%2E%2E.wav",
        "C001/1.wav",  # no queue C in this hall
        "A001/7.wav",  # no window 7
    ],
)
def test_names_that_cannot_be_a_call_are_refused(client, hall, name, _var_dir):
    assert client.get(f"/hall/voice/{name}").status_code == 404
    assert not (_var_dir / "voice").exists()


def test_without_espeak_the_clip_is_unavailable(client, hall, monkeypatch, _var_dir):
    monkeypatch.setattr(voice.shutil, "which", lambda name: None)

    response = client.get("/hall/voice/A001/1.wav")

    assert response.status_code == 503
    assert not (_var_dir / "voice" / DAY.isoformat() / "A001-1.wav").exists()
