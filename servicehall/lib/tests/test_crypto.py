"""Field encryption and blind indexes (invariant 9)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicehall.lib import crypto
from servicehall.lib.crypto import (
    DecryptionError,
    FieldCipher,
    InvalidKey,
    generate_key,
    parse_key,
    sm3_hex,
    sm4_gcm_available,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ID_NUMBER = "11010519491231002X"

needs_sm4 = pytest.mark.skipif(
    not sm4_gcm_available(), reason="this cryptography/OpenSSL build has no SM4-GCM"
)
ALGORITHMS = ["AES-GCM", pytest.param("SM4-GCM", marks=needs_sm4)]


def flip_byte(token: str, position: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[position] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode("ascii")


# Encryption


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_round_trip(algorithm):
    cipher = FieldCipher(KEY, algorithm)
    token = cipher.encrypt(ID_NUMBER, b"client.id_number")
    assert ID_NUMBER not in token
    assert cipher.decrypt(token, b"client.id_number") == ID_NUMBER


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_token_names_its_algorithm(algorithm):
    token = FieldCipher(KEY, algorithm).encrypt("x")
    assert base64.urlsafe_b64decode(token)[0] == crypto._TAGS[algorithm]


@needs_sm4
def test_tokens_stay_readable_after_the_algorithm_setting_changes():
    aes_token = FieldCipher(KEY, "AES-GCM").encrypt("张三")
    sm4_token = FieldCipher(KEY, "SM4-GCM").encrypt("李四")
    assert FieldCipher(KEY, "SM4-GCM").decrypt(aes_token) == "张三"
    assert FieldCipher(KEY, "AES-GCM").decrypt(sm4_token) == "李四"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_same_plaintext_gives_a_new_token_each_time(algorithm):
    cipher = FieldCipher(KEY, algorithm)
    assert cipher.encrypt(ID_NUMBER) != cipher.encrypt(ID_NUMBER)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("position", [0, 1, 12, 13, -1])
def test_tampering_is_detected(algorithm, position):
    # Positions: the algorithm tag, the nonce, the first ciphertext byte, the GCM tag.
    cipher = FieldCipher(KEY, algorithm)
    token = cipher.encrypt(ID_NUMBER)
    with pytest.raises(DecryptionError):
        cipher.decrypt(flip_byte(token, position))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_key_is_detected(algorithm):
    token = FieldCipher(KEY, algorithm).encrypt(ID_NUMBER)
    with pytest.raises(DecryptionError):
        FieldCipher(OTHER_KEY, algorithm).decrypt(token)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_token_moved_to_another_column_does_not_decrypt(algorithm):
    cipher = FieldCipher(KEY, algorithm)
    token = cipher.encrypt("13812345678", b"client.mobile")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, b"client.id_number")


@pytest.mark.parametrize(
    "token",
    ["", "not base64!", "AQID", "é", base64.urlsafe_b64encode(b"\x7f" + bytes(40)).decode()],
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(DecryptionError):
        FieldCipher(KEY).decrypt(token)


@given(
    plaintext=st.text(),
    associated_data=st.binary(max_size=64),
    algorithm=st.sampled_from(["AES-GCM", "SM4-GCM"] if sm4_gcm_available() else ["AES-GCM"]),
)
def test_any_text_round_trips(plaintext, associated_data, algorithm):
    cipher = FieldCipher(KEY, algorithm)
    assert cipher.decrypt(cipher.encrypt(plaintext, associated_data), associated_data) == plaintext


@needs_sm4
def test_sm4_gcm_matches_rfc_8998_test_vector():
    # RFC 8998, appendix A.1 (SM4-GCM), checked through the module's own primitive.
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    assert crypto._sm4_gcm_encrypt(key, nonce, plaintext, aad) == expected
    assert crypto._sm4_gcm_decrypt(key, nonce, expected, aad) == plaintext


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="Unknown algorithm"):
        FieldCipher(KEY, "DES-CBC")  # type: ignore[arg-type]


def test_short_master_key_is_refused():
    with pytest.raises(InvalidKey):
        FieldCipher(KEY[:16])


def test_repr_shows_no_key_material():
    assert KEY.hex() not in repr(FieldCipher(KEY))


# Blind index


@pytest.mark.parametrize("index_hash", ["SHA256", "SM3"])
def test_blind_index_is_stable_and_keyed(index_hash):
    index = FieldCipher(KEY, index_hash=index_hash).blind_index(ID_NUMBER)
    assert index == FieldCipher(KEY, index_hash=index_hash).blind_index(ID_NUMBER)
    assert len(index) == 64
    assert index != FieldCipher(OTHER_KEY, index_hash=index_hash).blind_index(ID_NUMBER)


@pytest.mark.parametrize("index_hash", ["SHA256", "SM3"])
def test_blind_index_differs_between_values(index_hash):
    cipher = FieldCipher(KEY, index_hash=index_hash)
    assert cipher.blind_index(ID_NUMBER) != cipher.blind_index("110105194912310021")


def test_blind_index_hash_setting_changes_the_index():
    assert FieldCipher(KEY).blind_index(ID_NUMBER) != FieldCipher(
        KEY, index_hash="SM3"
    ).blind_index(ID_NUMBER)


def test_blind_index_does_not_depend_on_the_encryption_algorithm():
    # Switching the cipher must not orphan every stored index.
    assert FieldCipher(KEY, "AES-GCM").blind_index(ID_NUMBER) == FieldCipher(
        KEY, "SM4-GCM" if sm4_gcm_available() else "AES-GCM"
    ).blind_index(ID_NUMBER)


def test_blind_index_is_not_a_plain_hash_of_the_value():
    assert FieldCipher(KEY, index_hash="SM3").blind_index(ID_NUMBER) != sm3_hex(ID_NUMBER.encode())


# SM3 and keys


def test_sm3_known_answer():
    # GB/T 32905-2016, example 1.
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_generated_key_parses_to_32_random_bytes():
    text = generate_key()
    assert len(parse_key(text)) == 32
    assert generate_key() != text


@pytest.mark.parametrize(
    "text",
    [
        base64.urlsafe_b64encode(bytes([251] * 32)).decode(),  # URL-safe: "-" and "_"
        base64.standard_b64encode(bytes([251] * 32)).decode(),  # standard: "+" and "/"
        base64.standard_b64encode(bytes([251] * 32)).decode().rstrip("=") + "\n",
    ],
)
def test_parse_key_accepts_both_alphabets_with_or_without_padding(text):
    assert parse_key(text) == bytes([251] * 32)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must be 32 bytes"),
        (base64.b64encode(bytes(16)).decode(), "this one is 16 bytes"),
        ("not a key!", "not valid base64"),
    ],
)
def test_parse_key_explains_what_is_wrong(text, message):
    with pytest.raises(InvalidKey, match=message):
        parse_key(text)
