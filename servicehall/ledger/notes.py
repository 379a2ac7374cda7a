"""Signed notes and transparency-log checkpoints (C2SP signed-note, tlog-checkpoint).

A *signed note* is a text ending in a newline, a blank line, then one or more
signature lines::

    — <key name> <base64(4-byte key ID || signature)>

The byte formats, key strings and checks follow golang.org/x/mod/sumdb/note,
the reference implementation, so that notes and keys made here work with the
Go tooling (and the other way round). Only Ed25519 keys (signature type 0x01)
are supported::

    key ID        = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]
    verifier key  = <name>+<hex8 key ID>+<base64(0x01 || public key)>
    signer key    = PRIVATE+KEY+<name>+<hex8 key ID>+<base64(0x01 || seed)>

A *checkpoint* is the note text a log signs for each tree head::

    <origin>
    <tree size in decimal>
    <base64 root hash>
    [extension lines]

Pure Python on top of ``cryptography``, no Django import.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "AmbiguousKeyError",
    "Checkpoint",
    "InvalidSignatureError",
    "MalformedCheckpointError",
    "MalformedKeyError",
    "MalformedNoteError",
    "NoteError",
    "Signer",
    "UnknownKeyError",
    "Verifier",
    "generate_signer_key",
    "key_id",
    "open_note",
    "sign_note",
]

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # Em dash and a space.
# x/mod/sumdb/note gives up after 100 signatures so that a hostile note cannot
# keep us busy; C2SP asks verifiers to accept at least 16.
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**64 - 1  # Tree sizes are uint64 in RFC 9162 and the Go code.

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(Exception):
    """Base class of the errors raised for notes, keys and checkpoints."""


class MalformedNoteError(NoteError):
    """The note does not have the signed-note syntax."""


class MalformedKeyError(NoteError):
    """A signer or verifier key string is not valid."""


class UnknownKeyError(NoteError):
    """No signature on the note is from a key we were given."""

    def __init__(self, keys: Sequence[tuple[str, int]]) -> None:
        listed = ", ".join(f"{name}+{key:08x}" for name, key in keys)
        super().__init__(f"note has no signature from a known key (signed by: {listed})")
        self.keys = tuple(keys)


class InvalidSignatureError(NoteError):
    """A signature from a known key does not verify."""

    def __init__(self, name: str, key: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key:08x}")
        self.name = name
        self.key_id = key


class AmbiguousKeyError(NoteError):
    """Two of the given verifiers have the same name and key ID."""

    def __init__(self, name: str, key: int) -> None:
        super().__init__(f"ambiguous key {name}+{key:08x}")
        self.name = name
        self.key_id = key


class MalformedCheckpointError(NoteError):
    """The note text is not a valid checkpoint."""


def _is_valid_name(name: str) -> bool:
    """Key names are non-empty, without Unicode spaces or '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def _has_control_chars(text: str) -> bool:
    """Whether ``text`` has an ASCII control character other than newline."""
    return any(ch < " " and ch != "\n" for ch in text)


def _b64decode(text: str) -> bytes:
    """Standard base64 with padding; raises ValueError on anything else."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError("not standard base64") from exc


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def key_id(name: str, public_key: bytes) -> int:
    """Key ID of a key name and encoded public key (type byte first), as an int."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _parse_key_id(text: str) -> int:
    """The 8 hex digits of a key string; int(…, 16) alone would allow '0x', '_' and signs."""
    if len(text) != 8 or not all(ch in "0123456789abcdefABCDEF" for ch in text):
        raise MalformedKeyError("malformed key ID")
    return int(text, 16)


def _split_key(text: str, parts: int) -> list[str]:
    # The last part is base64, which may not hold '+' in a valid key anyway,
    # but Go cuts at the first separators only; do the same.
    pieces = text.split("+", parts - 1)
    if len(pieces) != parts:
        raise MalformedKeyError("malformed key string")
    return pieces


def _parse_key_material(name: str, hex_id: str, material64: str) -> tuple[int, bytes]:
    """Check the common parts of a key string; return the key ID and raw key."""
    if not _is_valid_name(name):
        raise MalformedKeyError("malformed key name")
    identifier = _parse_key_id(hex_id)
    try:
        material = _b64decode(material64)
    except ValueError as exc:
        raise MalformedKeyError("malformed key data") from exc
    if not material:
        raise MalformedKeyError("malformed key data")
    if material[0] != ALG_ED25519:
        raise MalformedKeyError("unknown key algorithm")
    if len(material) != 33:
        raise MalformedKeyError("an Ed25519 key has 32 bytes")
    return identifier, material[1:]


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 public key with its name and key ID, to check note signatures."""

    name: str
    key_id: int
    public_key: Ed25519PublicKey = field(repr=False)

    def __post_init__(self) -> None:
        if not _is_valid_name(self.name):
            raise MalformedKeyError("malformed key name")

    @classmethod
    def from_key_string(cls, vkey: str) -> Verifier:
        """Parse ``<name>+<hex8 key ID>+<base64(0x01 || public key)>``."""
        name, hex_id, material64 = _split_key(vkey, 3)
        identifier, raw = _parse_key_material(name, hex_id, material64)
        if identifier != key_id(name, bytes([ALG_ED25519]) + raw):
            raise MalformedKeyError("key ID does not match the key")
        return cls(name, identifier, Ed25519PublicKey.from_public_bytes(raw))

    def key_string(self) -> str:
        """The verifier key string, to publish and configure elsewhere."""
        material = bytes([ALG_ED25519]) + _raw_public_key(self.public_key)
        return f"{self.name}+{self.key_id:08x}+{_b64encode(material)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is this key's over ``message``."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key with its name and key ID, to sign notes."""

    name: str
    key_id: int
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        if not _is_valid_name(self.name):
            raise MalformedKeyError("malformed key name")

    @classmethod
    def from_key_string(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex8 key ID>+<base64(0x01 || seed)>``."""
        private, key, name, hex_id, material64 = _split_key(skey, 5)
        if (private, key) != ("PRIVATE", "KEY"):
            raise MalformedKeyError("a signer key starts with PRIVATE+KEY+")
        identifier, seed = _parse_key_material(name, hex_id, material64)
        private_key = Ed25519PrivateKey.from_private_bytes(seed)
        # The key ID is that of the public key: derive it to check.
        public = bytes([ALG_ED25519]) + _raw_public_key(private_key.public_key())
        if identifier != key_id(name, public):
            raise MalformedKeyError("key ID does not match the key")
        return cls(name, identifier, private_key)

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message``."""
        return self.private_key.sign(message)

    def verifier(self) -> Verifier:
        """The matching verifier."""
        return Verifier(self.name, self.key_id, self.private_key.public_key())


def generate_signer_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair as (signer key string, verifier key string).

    The signer key is a secret: keep it in a ``*_FILE`` setting, never in code.
    """
    if not _is_valid_name(name):
        raise MalformedKeyError("malformed key name")
    private_key = Ed25519PrivateKey.generate()
    public = bytes([ALG_ED25519]) + _raw_public_key(private_key.public_key())
    seed = private_key.private_bytes_raw()
    identifier = key_id(name, public)
    skey = f"PRIVATE+KEY+{name}+{identifier:08x}+{_b64encode(bytes([ALG_ED25519]) + seed)}"
    vkey = f"{name}+{identifier:08x}+{_b64encode(public)}"
    return skey, vkey


def _signature_line(signer: Signer, text: bytes) -> str:
    blob = signer.key_id.to_bytes(4, "big") + signer.sign(text)
    return f"{SIGNATURE_PREFIX}{signer.name} {_b64encode(blob)}\n"


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Sign ``text`` with each signer, in order, and return the signed note.

    The text must end with a newline and, like any note, hold no control
    character but newlines, so that every note we sign can be opened.
    """
    if not text.endswith("\n") or _has_control_chars(text):
        raise MalformedNoteError("note text must end with a newline and have no control chars")
    if not signers:
        raise NoteError("a note needs at least one signer")
    message = text.encode("utf-8")
    return text + "\n" + "".join(_signature_line(signer, message) for signer in signers)


@dataclass(frozen=True)
class _Signature:
    name: str
    key_id: int
    signature: bytes


def _split_note(signed: bytes) -> tuple[bytes, list[str]]:
    """Split a signed note into the signed text and its signature lines."""
    try:
        decoded = signed.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("note is not UTF-8") from exc
    if _has_control_chars(decoded):
        raise MalformedNoteError("note has control characters")
    # The text may contain blank lines itself: the last one separates.
    split = signed.rfind(b"\n\n")
    if split < 0:
        raise MalformedNoteError("note has no signature block")
    text, block = signed[: split + 1], signed[split + 2 :]
    if not block.endswith(b"\n"):
        raise MalformedNoteError("signature block must end with a newline")
    # Split on "\n" only: str.splitlines() would also cut at U+2028 and NEL.
    return text, block.decode("utf-8").split("\n")[:-1]


def _parse_signature(line: str) -> _Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError("signature line must start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    try:
        blob = _b64decode(encoded)
    except ValueError as exc:
        raise MalformedNoteError("signature is not base64") from exc
    if not _is_valid_name(name) or len(blob) < 5:
        raise MalformedNoteError("malformed signature line")
    return _Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def _verifier_table(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], list[Verifier]]:
    table: dict[tuple[str, int], list[Verifier]] = {}
    for verifier in verifiers:
        table.setdefault((verifier.name, verifier.key_id), []).append(verifier)
    return table


def open_note(signed_text: str | bytes, verifiers: Iterable[Verifier]) -> str:
    """Check a signed note and return its text (with the final newline).

    Signatures from keys not among ``verifiers`` are ignored, as C2SP requires
    (they may be a witness's cosignature or a rotated key). Raises
    :class:`MalformedNoteError` for bad syntax, :class:`InvalidSignatureError`
    when a known key's signature fails, :class:`UnknownKeyError` when no
    signature is from a known key, :class:`AmbiguousKeyError` when a signature
    matches two verifiers.
    """
    if isinstance(signed_text, str):
        # Lone surrogates pass through and then fail the UTF-8 check.
        signed = signed_text.encode("utf-8", "surrogatepass")
    else:
        signed = signed_text
    text, lines = _split_note(signed)
    signatures = [_parse_signature(line) for line in lines]
    if len(signatures) > MAX_SIGNATURES:
        raise MalformedNoteError(f"note has more than {MAX_SIGNATURES} signatures")
    table = _verifier_table(verifiers)
    verified: set[tuple[str, int]] = set()
    unknown: list[tuple[str, int]] = []
    for signature in signatures:
        identity = (signature.name, signature.key_id)
        candidates = table.get(identity)
        if not candidates:
            unknown.append(identity)
            continue
        if len(candidates) > 1:
            raise AmbiguousKeyError(*identity)
        if identity in verified:
            continue  # A repeated signature line by the same key.
        if not candidates[0].verify(text, signature.signature):
            raise InvalidSignatureError(*identity)
        verified.add(identity)
    if not verified:
        raise UnknownKeyError(unknown)
    return text.decode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as C2SP tlog-checkpoint note text.

    ``Checkpoint.parse`` is strict: exactly the canonical encoding that
    ``to_text`` produces is accepted, so a checkpoint has one text and one
    signature.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        if not _is_line(self.origin):
            raise MalformedCheckpointError("origin must be one non-empty line")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise MalformedCheckpointError("tree size must be an integer")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedCheckpointError("tree size out of range")
        if not isinstance(self.root_hash, bytes) or not self.root_hash:
            raise MalformedCheckpointError("root hash must be non-empty bytes")
        if not all(_is_line(line) for line in self.extensions):
            raise MalformedCheckpointError("extension lines must be non-empty single lines")

    def to_text(self) -> str:
        """The note text to sign."""
        lines = [self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str, *, hash_size: int = 32) -> Checkpoint:
        """Parse checkpoint note text (as returned by :func:`open_note`)."""
        if not text.endswith("\n"):
            raise MalformedCheckpointError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpointError("checkpoint has fewer than three lines")
        origin, size_line, root_line, *extensions = lines
        if not _DECIMAL.fullmatch(size_line):
            raise MalformedCheckpointError("tree size must be decimal without leading zeros")
        return cls(origin, int(size_line), _parse_root(root_line, hash_size), tuple(extensions))


def _is_line(value: object) -> bool:
    return (
        isinstance(value, str)
        and bool(value)
        and "\n" not in value
        and not _has_control_chars(value)
    )


def _parse_root(line: str, hash_size: int) -> bytes:
    try:
        root = _b64decode(line)
    except ValueError as exc:
        raise MalformedCheckpointError("root hash is not base64") from exc
    # Base64 allows stray bits in the last character; only the canonical
    # encoding is a valid checkpoint, so that it has exactly one text.
    if _b64encode(root) != line or len(root) != hash_size:
        raise MalformedCheckpointError(f"root hash must be {hash_size} bytes in base64")
    return root
