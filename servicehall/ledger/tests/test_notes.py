"""Tests of signed notes and checkpoints against the published x/mod/sumdb/note examples."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.ledger.merkle import SHA256
from servicehall.ledger.notes import (
    AmbiguousKeyError,
    Checkpoint,
    InvalidSignatureError,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    NoteError,
    Signer,
    UnknownKeyError,
    Verifier,
    generate_signer_key,
    open_note,
    sign_note,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "notes.json").read_text())
PETER = VECTORS["peter_neumann"]
ENOCH = VECTORS["enoch_root"]
TEXT = PETER["text"]
PETER_SIG = PETER["signature_line"]
ENOCH_SIG = ENOCH["signature_line"]
SIGNED = TEXT + "\n" + PETER_SIG


@pytest.fixture
def peter() -> Verifier:
    return Verifier.from_key_string(PETER["vkey"])


@pytest.fixture
def enoch() -> Verifier:
    return Verifier.from_key_string(ENOCH["vkey"])


# --- Keys -----------------------------------------------------------------------------------


def test_go_keys_parse_with_their_published_key_ids():
    signer = Signer.from_key_string(PETER["skey"])
    verifier = Verifier.from_key_string(PETER["vkey"])
    assert (signer.name, signer.key_id) == ("PeterNeumann", int(PETER["key_id"], 16))
    assert (verifier.name, verifier.key_id) == ("PeterNeumann", int(PETER["key_id"], 16))
    assert signer.verifier().key_string() == PETER["vkey"]
    assert verifier.key_string() == PETER["vkey"]


def _mangled(key: str) -> set[str]:
    """Every proper substring and every one-byte increment, as x/mod's tests try."""
    variants = {key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)}
    variants |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    variants.discard(key)
    return variants


def test_every_mangled_verifier_key_is_refused():
    for bad in sorted(_mangled(PETER["vkey"])):
        with pytest.raises(MalformedKeyError):
            Verifier.from_key_string(bad)


def test_every_mangled_signer_key_is_refused():
    for bad in sorted(_mangled(PETER["skey"])):
        with pytest.raises(MalformedKeyError):
            Signer.from_key_string(bad)


@pytest.mark.parametrize("bad", VECTORS["bad_verifier_keys"]["keys"])
def test_wrong_length_and_unknown_algorithm_keys_are_refused(bad):
    with pytest.raises(MalformedKeyError):
        Verifier.from_key_string(bad)


def test_generated_keys_round_trip_and_sign():
    skey, vkey = generate_signer_key("ledger.servicehall.example/2025")
    signer = Signer.from_key_string(skey)
    verifier = Verifier.from_key_string(vkey)
    assert skey.startswith("PRIVATE+KEY+ledger.servicehall.example/2025+")
    assert signer.verifier().key_string() == vkey
    assert verifier.key_id == signer.key_id
    assert open_note(sign_note("hello\n", [signer]), [verifier]) == "hello\n"


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\tname", "nbsp\u00a0name"])
def test_key_names_with_spaces_or_plus_are_refused(name):
    with pytest.raises(MalformedKeyError):
        generate_signer_key(name)


# --- Signing --------------------------------------------------------------------------------


def test_signing_reproduces_the_go_signature_byte_for_byte():
    signer = Signer.from_key_string(PETER["skey"])
    assert sign_note(TEXT, [signer]) == SIGNED


def test_several_signers_sign_in_order():
    peter_signer = Signer.from_key_string(PETER["skey"])
    skey, vkey = generate_signer_key("witness.example")
    witness = Signer.from_key_string(skey)
    signed = sign_note(TEXT, [peter_signer, witness])
    assert signed.startswith(SIGNED)
    assert open_note(signed, [Verifier.from_key_string(vkey)]) == TEXT


@pytest.mark.parametrize("text", ["abc", "", "no newline\nat end", "bell\x07\n"])
def test_signing_refuses_text_that_could_not_be_opened(text):
    with pytest.raises(MalformedNoteError):
        sign_note(text, [Signer.from_key_string(PETER["skey"])])


# --- Opening --------------------------------------------------------------------------------


def test_opening_the_go_note_returns_its_text(peter):
    assert open_note(SIGNED, [peter]) == TEXT
    assert open_note(SIGNED.encode(), [peter]) == TEXT


def test_signatures_from_unknown_keys_are_ignored(peter, enoch):
    signed = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(signed, [peter]) == TEXT
    assert open_note(signed, [enoch]) == TEXT
    assert open_note(signed, [peter, enoch]) == TEXT


def test_a_note_without_a_known_signature_is_refused(enoch):
    with pytest.raises(UnknownKeyError) as raised:
        open_note(SIGNED, [enoch])
    assert raised.value.keys == (("PeterNeumann", 0xC74F20A3),)
    with pytest.raises(UnknownKeyError):
        open_note(SIGNED, [])


def test_a_modified_note_is_refused(peter):
    modified = SIGNED.replace("cryptography", "blockchain")
    with pytest.raises(InvalidSignatureError, match=r"PeterNeumann\+c74f20a3"):
        open_note(modified, [peter])


def test_a_forged_signature_is_refused(peter):
    # x/mod's TestOpen: four base64 characters pushed into the signature.
    forged = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(InvalidSignatureError):
        open_note(forged, [peter])


def test_a_signature_with_one_flipped_bit_is_refused(peter):
    encoded = PETER_SIG.split(" ")[2].strip()
    blob = bytearray(base64.b64decode(encoded))
    blob[-1] ^= 0x01
    forged = TEXT + "\n— PeterNeumann " + base64.b64encode(bytes(blob)).decode() + "\n"
    with pytest.raises(InvalidSignatureError):
        open_note(forged, [peter])


def test_a_wrong_key_under_the_same_name_does_not_verify():
    skey, vkey = generate_signer_key("PeterNeumann")
    impostor = Verifier.from_key_string(vkey)
    # A different key has a different key ID, so its signature line is unknown...
    with pytest.raises(UnknownKeyError):
        open_note(SIGNED, [impostor])
    # ...and a forged line claiming Peter's key ID fails against Peter's key.
    line = sign_note(TEXT, [Signer.from_key_string(skey)]).split("\n\n", 1)[1]
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[:4] = (0xC74F20A3).to_bytes(4, "big")
    claimed = TEXT + "\n— PeterNeumann " + base64.b64encode(bytes(blob)).decode() + "\n"
    with pytest.raises(InvalidSignatureError):
        open_note(claimed, [Verifier.from_key_string(PETER["vkey"])])


def test_repeated_signatures_are_accepted_once(peter, enoch):
    signed = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG
    assert open_note(signed, [peter]) == TEXT


def test_a_verifier_listed_twice_is_ambiguous_only_when_used(peter, enoch):
    with pytest.raises(AmbiguousKeyError, match=r"EnochRoot\+af0cfe78"):
        open_note(TEXT + "\n" + ENOCH_SIG, [enoch, peter, enoch])
    assert open_note(SIGNED, [enoch, peter, enoch]) == TEXT


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
        "XgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("—", "-"),
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),
        TEXT + "\n" + "— PeterNeumann AAAA\n",
        TEXT + "\n" + PETER_SIG * 101,
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter\u2028Neumann"),
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "no-final-newline",
        "control-char",
        "name-with-space",
        "unexpected-line",
        "hyphen-not-em-dash",
        "unpadded-base64",
        "signature-too-short",
        "too-many-signatures",
        "crlf",
        "line-separator-in-name",
    ],
)
def test_malformed_notes_are_refused(peter, message):
    with pytest.raises(MalformedNoteError):
        open_note(message, [peter])


def test_invalid_utf8_is_refused(peter):
    with pytest.raises(MalformedNoteError):
        open_note(b"\xff" + SIGNED.encode(), [peter])
    with pytest.raises(MalformedNoteError):
        open_note("\ud800" + SIGNED, [peter])


def test_all_note_errors_share_a_base_class():
    for error in (MalformedNoteError, MalformedKeyError, UnknownKeyError, InvalidSignatureError):
        assert issubclass(error, NoteError)


def test_a_real_sum_golang_org_tree_head_verifies():
    vector = VECTORS["sum_golang_org"]
    verifier = Verifier.from_key_string(vector["vkey"])
    checkpoint = Checkpoint.parse(open_note(vector["signed_tree"], [verifier]))
    assert checkpoint.origin == vector["origin"]
    assert checkpoint.size == vector["size"]
    tampered = vector["signed_tree"].replace(str(vector["size"]), str(vector["size"] + 1))
    with pytest.raises(InvalidSignatureError):
        open_note(tampered, [verifier])


# --- Checkpoints ----------------------------------------------------------------------------


def test_checkpoint_text_matches_go_tlog_format_tree():
    vector = VECTORS["tlog_tree"]
    root = SHA256.hash_leaf(vector["leaf_data"].encode())
    checkpoint = Checkpoint(vector["origin"], vector["size"], root)
    assert checkpoint.to_text() == vector["text"]
    assert Checkpoint.parse(vector["text"]) == checkpoint


@pytest.mark.parametrize("text", VECTORS["tlog_tree"]["bad"][1:])
def test_go_tlog_bad_trees_are_refused(text):
    with pytest.raises(MalformedCheckpointError):
        Checkpoint.parse(text)


def test_c2sp_example_checkpoint_parses():
    vector = VECTORS["c2sp_checkpoint"]
    text = vector["signed"].split("\n\n", 1)[0] + "\n"
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size) == (vector["origin"], vector["size"])
    assert checkpoint.to_text() == text


def test_checkpoint_with_extension_lines_round_trips():
    checkpoint = Checkpoint("example.com/log", 7, b"\x01" * 32, ("ext one", "ext two"))
    text = checkpoint.to_text()
    assert text.endswith("\next one\next two\n")
    assert Checkpoint.parse(text) == checkpoint


ROOT64 = base64.b64encode(b"\x07" * 32).decode()


@pytest.mark.parametrize(
    "text",
    [
        f"log\n5\n{ROOT64}",  # No final newline.
        f"log\n5\n{ROOT64}\n\n",  # Empty extension line.
        "log\n5\n",  # Missing root.
        f"\n5\n{ROOT64}\n",  # Empty origin.
        f"log\n05\n{ROOT64}\n",  # Leading zero.
        f"log\n+5\n{ROOT64}\n",
        f"log\n-1\n{ROOT64}\n",
        f"log\n 5\n{ROOT64}\n",
        f"log\n\u0665\n{ROOT64}\n",  # Arabic-Indic digit five.
        f"log\n{2**64}\n{ROOT64}\n",
        f"log\n5\n{ROOT64[:-1]}\n",  # Unpadded.
        f"log\n5\n{base64.b64encode(b'x' * 31).decode()}\n",  # Wrong length.
        "log\n5\n" + ROOT64[:-2] + "x=\n",  # Non-canonical final character.
        f"log\r\n5\r\n{ROOT64}\r\n",
        f"lo\x00g\n5\n{ROOT64}\n",
    ],
)
def test_checkpoint_parsing_is_strict(text):
    with pytest.raises(MalformedCheckpointError):
        Checkpoint.parse(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"size": -1},
        {"size": True},
        {"root_hash": b""},
        {"extensions": ("",)},
    ],
)
def test_checkpoint_refuses_invalid_fields(kwargs):
    fields = {"origin": "log", "size": 1, "root_hash": b"\x00" * 32, **kwargs}
    with pytest.raises(MalformedCheckpointError):
        Checkpoint(**fields)


_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=0x20), min_size=1
)


@settings(max_examples=200, deadline=None)
@given(
    _line,
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(_line, max_size=3),
)
def test_checkpoints_round_trip_through_a_signed_note(origin, size, root, extensions):
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    signer = Signer.from_key_string(PETER["skey"])
    signed = sign_note(checkpoint.to_text(), [signer])
    assert Checkpoint.parse(open_note(signed, [signer.verifier()])) == checkpoint
