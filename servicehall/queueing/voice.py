"""The call announcement, "请A001号到3号窗口办理", spoken in Mandarin offline (issue 5, item 6).

espeak-ng's ``cmn`` voice misreads many characters; its ``cmn-latn-pinyin`` voice reads
tone-numbered pinyin faithfully, so the sentence is rendered in pinyin here: the queue
letter by its usual Chinese reading of the English name (A "ei1", B "bi4"), the ticket
number digit by digit (零零一), the window number as a number (十二号窗口). Clips are
synthesised once and cached under ``VAR_DIR / "voice"``, a directory a day, so the cache
holds one day's calls at most; the display plays them after its chime, one at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from django.conf import settings
from django.utils import timezone

VOICE = "cmn-latn-pinyin"
# Words a minute: a little slower than espeak-ng's 175, for a large, echoing hall.
SPEED = 150
# Silence added before and after the speech: audio elements clip the first few
# milliseconds, and a short pause separates two announcements.
LEAD_SECONDS = 0.15
TAIL_SECONDS = 0.25
# A day's clips at most; past it, clips are still served but no longer kept.
CACHE_LIMIT = 3000

TICKET_RE = re.compile(r"[A-Z][0-9]{3,4}")
MAX_WINDOW = 999

DIGITS = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
# Letters as Chinese halls read them aloud: the English name in Chinese sounds.
LETTERS = {
    "A": "ei1", "B": "bi4", "C": "xi1", "D": "di4", "E": "yi4", "F": "ai2 fu1",
    "G": "ji4", "H": "ei1 qi1", "I": "ai4", "J": "jie4", "K": "kai4", "L": "ai2 lou4",
    "M": "ai2 mu3", "N": "en1", "O": "ou1", "P": "pi1", "Q": "kiu1", "R": "a4 er3",
    "S": "ai2 si1", "T": "ti4", "U": "you1", "V": "wei1", "W": "da2 bu5 liu3",
    "X": "ai2 ke4 si1", "Y": "wai4", "Z": "zei4",
}  # fmt: skip


class VoiceError(RuntimeError):
    """espeak-ng is missing or failed."""


def valid(ticket: str, window: int) -> bool:
    return TICKET_RE.fullmatch(ticket) is not None and 1 <= window <= MAX_WINDOW


def number_pinyin(number: int) -> list[str]:
    """1..999 read as a number: 3 san1, 12 shi2 er4, 20 er4 shi2, 105 yi1 bai3 ling2 wu3."""
    if not 1 <= number <= MAX_WINDOW:
        raise ValueError(number)
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds:
        words += [DIGITS[hundreds], "bai3"]
        if rest == 0:
            return words
        if tens == 0:
            return [*words, "ling2", DIGITS[units]]
    if tens:
        # 十二 rather than 一十二, except after hundreds (一百一十二).
        if tens > 1 or hundreds:
            words.append(DIGITS[tens])
        words.append("shi2")
    if units:
        words.append(DIGITS[units])
    return words


def ticket_pinyin(ticket: str) -> list[str]:
    """The letter, then each digit on its own: A001 is ei1 ling2 ling2 yi1."""
    return [LETTERS[ticket[0]], *(DIGITS[int(digit)] for digit in ticket[1:])]


def sentence(ticket: str, window: int) -> str:
    """What is said, in characters, as shown under the call: 请A001号到3号窗口办理."""
    return f"请{ticket}号到{window}号窗口办理"


def pinyin(ticket: str, window: int) -> str:
    """What espeak-ng reads: the sentence in tone-numbered pinyin, a pause after the ticket."""
    if not valid(ticket, window):
        raise ValueError(f"not a ticket and window: {ticket!r} {window!r}")
    return " ".join(
        ["qing3", *ticket_pinyin(ticket), "hao4,", "dao4", *number_pinyin(window)]
        + ["hao4", "chuang1", "kou3", "ban4", "li3."]
    )


def _espeak(*args: str) -> bytes:
    program = shutil.which("espeak-ng")
    if program is None:
        raise VoiceError("espeak-ng is not installed (Debian package espeak-ng)")
    try:
        completed = subprocess.run(  # noqa: S603 - fixed program, validated pinyin text
            [program, "-v", VOICE, "-s", str(SPEED), *args],
            capture_output=True,
            check=True,
            timeout=20,
        )
    except (subprocess.SubprocessError, OSError) as error:
        raise VoiceError(f"espeak-ng failed: {error}") from error
    return completed.stdout


def phonemes(text: str) -> str:
    """espeak-ng's phoneme mnemonics for ``text``: what the voice will say, checkable."""
    return _espeak("-q", "-x", text).decode()


def synthesize(text: str) -> bytes:
    """``text`` spoken as 16-bit mono WAV, with a little silence around it."""
    raw = _espeak("--stdout", text)
    try:
        with wave.open(io.BytesIO(raw)) as source:
            params = source.getparams()
            frames = source.readframes(params.nframes)
    except (wave.Error, EOFError) as error:
        raise VoiceError(f"espeak-ng gave no audio: {error}") from error
    silence = bytes(params.sampwidth * params.nchannels)
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(params.nchannels)
        target.setsampwidth(params.sampwidth)
        target.setframerate(params.framerate)
        target.writeframes(silence * int(params.framerate * LEAD_SECONDS))
        target.writeframes(frames)
        target.writeframes(silence * int(params.framerate * TAIL_SECONDS))
    return out.getvalue()


def cache_dir(day: dt.date | None = None) -> Path:
    return Path(settings.VAR_DIR) / "voice" / (day or timezone.localdate()).isoformat()


def _prune(today: Path) -> None:
    """Remove the clips of earlier days, once a day when today's directory is made."""
    for old in today.parent.iterdir():
        if old != today and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def cached(ticket: str, window: int) -> bytes | None:
    """Today's cached clip, or None."""
    try:
        return (cache_dir() / f"{ticket}-{window}.wav").read_bytes()
    except FileNotFoundError:
        return None


def make_clip(ticket: str, window: int) -> bytes:
    """Synthesise the announcement and keep it in today's cache (unless the cache is full)."""
    audio = synthesize(pinyin(ticket, window))
    directory = cache_dir()
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        _prune(directory)
    if sum(1 for _entry in os.scandir(directory)) < CACHE_LIMIT:
        # Written aside and renamed: displays asking at once never read half a file.
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(audio)
        os.replace(temporary, directory / f"{ticket}-{window}.wav")
    return audio
