"""Encryption of personal data at rest, and blind indexes to find it (invariant 9).

One master key (a setting) yields, through HKDF-SHA256 with distinct labels, a key
for each cipher and one for the blind index, so leaking or rotating one use does
not touch the others.

A token is ``urlsafe_base64(tag || nonce || ciphertext_and_gcm_tag)``: one byte
naming the format and algorithm, a random 12-byte nonce, then the ciphertext with
its 16-byte authentication tag. The token names its algorithm, so rows written
with AES-GCM stay readable after the setting changes to SM4-GCM, and the reverse.

Errors here are raised while settings load, before translation works, so their
messages are plain English for operators, not translated.
"""

from __future__ import annotations

import base64
import binascii
import functools
import secrets
from typing import Literal

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Algorithm = Literal["AES-GCM", "SM4-GCM"]
IndexHash = Literal["SHA256", "SM3"]

MASTER_KEY_BYTES = 32
NONCE_BYTES = 12
GCM_TAG_BYTES = 16

# First byte of a token; a new format or algorithm gets a new value, never a reused one.
_TAGS: dict[str, int] = {"AES-GCM": 0x01, "SM4-GCM": 0x02}
_ALGORITHMS = {tag: name for name, tag in _TAGS.items()}


class InvalidKey(ValueError):
    """The configured key cannot be used."""


class DecryptionError(Exception):
    """A token is malformed, was altered, or was made with another key or context."""


def generate_key() -> str:
    """A new random master key, as text for the settings."""
    return base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """The 32-byte master key from its base64 text (URL-safe or standard alphabet)."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        key = base64.b64decode(cleaned, validate=True)
    except binascii.Error:
        raise InvalidKey(
            "The encryption key is not valid base64; "
            "generate one with servicehall.lib.crypto.generate_key()."
        ) from None
    if len(key) != MASTER_KEY_BYTES:
        raise InvalidKey(
            f"The encryption key must be {MASTER_KEY_BYTES} bytes of base64; "
            f"this one is {len(key)} bytes."
        )
    return key


def sm3_hex(data: bytes) -> str:
    """The SM3 digest (GB/T 32905-2016) of ``data``, in hex."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


@functools.cache
def sm4_gcm_available() -> bool:
    """Whether this build of ``cryptography`` and its OpenSSL can do SM4 in GCM mode."""
    try:
        _sm4_gcm_encrypt(bytes(16), bytes(NONCE_BYTES), b"", b"")
    except UnsupportedAlgorithm:
        return False
    return True


def _derive(master_key: bytes, label: str, length: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=None,
        info=f"servicehall/{label}".encode("ascii"),
    ).derive(master_key)


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    # cryptography's AEAD classes have no SM4, so use the Cipher API with GCM.
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if len(data) < GCM_TAG_BYTES:
        raise InvalidTag
    ciphertext, tag = data[:-GCM_TAG_BYTES], data[-GCM_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext) + decryptor.finalize()


class FieldCipher:
    """Encrypts text fields and computes their blind indexes from one master key.

    ``algorithm`` is used to encrypt; tokens of either algorithm decrypt.
    ``index_hash`` chooses HMAC-SHA256 or HMAC-SM3 for :meth:`blind_index`;
    changing it changes every index, so stored indexes must then be recomputed.
    """

    def __init__(
        self, key: bytes, algorithm: Algorithm = "AES-GCM", index_hash: IndexHash = "SHA256"
    ) -> None:
        if len(key) != MASTER_KEY_BYTES:
            raise InvalidKey(f"The master key must be {MASTER_KEY_BYTES} bytes, not {len(key)}.")
        if algorithm not in _TAGS:
            raise ValueError(f"Unknown algorithm {algorithm!r}; use one of {sorted(_TAGS)}.")
        if algorithm == "SM4-GCM" and not sm4_gcm_available():
            raise ValueError("SM4-GCM is not supported by this build of cryptography/OpenSSL.")
        if index_hash not in ("SHA256", "SM3"):
            raise ValueError(f"Unknown blind index hash {index_hash!r}; use SHA256 or SM3.")
        self.algorithm = algorithm
        self.index_hash = index_hash
        self._aes = AESGCM(_derive(key, "field-encryption/aes-256-gcm", 32))
        self._sm4_key = _derive(key, "field-encryption/sm4-gcm", 16)
        self._index_key = _derive(key, f"blind-index/hmac-{index_hash.lower()}", 32)

    def __repr__(self) -> str:
        # Never show key material, even by accident in a traceback.
        return f"<FieldCipher {self.algorithm}, blind index HMAC-{self.index_hash}>"

    def encrypt(self, plaintext: str, associated_data: bytes = b"") -> str:
        """A token holding ``plaintext``, different at every call (random nonce).

        ``associated_data`` is not stored but must be given again to decrypt: pass
        what the value belongs to (e.g. ``b"cases.Client.id_number"``) so a token
        copied into another column or row does not decrypt there.
        """
        header = bytes([_TAGS[self.algorithm]])
        nonce = secrets.token_bytes(NONCE_BYTES)
        data = plaintext.encode("utf-8")
        # The header is authenticated too, so the algorithm byte cannot be swapped.
        aad = header + associated_data
        if self.algorithm == "SM4-GCM":
            sealed = _sm4_gcm_encrypt(self._sm4_key, nonce, data, aad)
        else:
            sealed = self._aes.encrypt(nonce, data, aad)
        return base64.urlsafe_b64encode(header + nonce + sealed).decode("ascii")

    def decrypt(self, token: str, associated_data: bytes = b"") -> str:
        """The plaintext of ``token``, or :class:`DecryptionError`."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except ValueError:  # binascii.Error, or non-ASCII text
            raise DecryptionError("The token is not valid base64.") from None
        if len(raw) < 1 + NONCE_BYTES + GCM_TAG_BYTES:
            raise DecryptionError("The token is too short.")
        header, nonce, sealed = raw[:1], raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
        algorithm = _ALGORITHMS.get(header[0])
        if algorithm is None:
            raise DecryptionError(f"Unknown token format {header[0]:#04x}.")
        aad = header + associated_data
        try:
            if algorithm == "SM4-GCM":
                data = _sm4_gcm_decrypt(self._sm4_key, nonce, sealed, aad)
            else:
                data = self._aes.decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise DecryptionError(
                "The token was altered, or made with another key or associated data."
            ) from None
        return data.decode("utf-8")

    def blind_index(self, value: str) -> str:
        """A keyed hash of ``value``, in hex, to find rows without decrypting them.

        Normalise first (e.g. ``normalize_id_number``) so equal values index equally.
        """
        algorithm = hashes.SM3() if self.index_hash == "SM3" else hashes.SHA256()
        mac = hmac.HMAC(self._index_key, algorithm)
        mac.update(value.encode("utf-8"))
        return mac.finalize().hex()
