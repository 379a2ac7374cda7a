"""Tests of the RFC 6962 Merkle tree against transparency-dev/merkle's published vectors."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes as crypto_hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.ledger.merkle import (
    SHA256,
    CompactRange,
    Hasher,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    root_from_leaf_hashes,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors"
REFERENCE = json.loads((VECTORS / "reference_tree.json").read_text())
LEAF_INPUTS = [bytes.fromhex(data) for data in REFERENCE["leaf_inputs_hex"]]
LEAF_HASHES = [SHA256.hash_leaf(data) for data in LEAF_INPUTS]
ROOTS = [bytes.fromhex(root) for root in REFERENCE["root_hashes_hex"]]


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _load(kind: str) -> list[pytest.param]:
    """One pytest param per upstream vector file, named after it."""
    params = []
    for path in sorted((VECTORS / kind).glob("*.json")):
        for vector in json.loads(path.read_text()):
            name = f"{path.stem}/{vector['file']}"
            params.append(pytest.param(vector, id=name))
    return params


def _proof(vector: dict) -> list[bytes]:
    # Go writes a nil proof as null.
    return [_b64(item) for item in vector["proof"] or []]


def _reference_root(leaf_hashes: list[bytes], hasher: Hasher = SHA256) -> bytes:
    """MTH straight from the recursive definition in RFC 9162 §2.1.1."""
    if not leaf_hashes:
        return hasher.empty_root()
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    split = 1 << ((len(leaf_hashes) - 1).bit_length() - 1)
    return hasher.hash_children(
        _reference_root(leaf_hashes[:split], hasher), _reference_root(leaf_hashes[split:], hasher)
    )


def _reference_path(index: int, leaf_hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) straight from RFC 9162 §2.1.3.1."""
    if len(leaf_hashes) == 1:
        return []
    split = 1 << ((len(leaf_hashes) - 1).bit_length() - 1)
    if index < split:
        return _reference_path(index, leaf_hashes[:split]) + [_reference_root(leaf_hashes[split:])]
    return _reference_path(index - split, leaf_hashes[split:]) + [
        _reference_root(leaf_hashes[:split])
    ]


def _reference_subproof(size1: int, leaf_hashes: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) straight from RFC 9162 §2.1.4.1."""
    if size1 == len(leaf_hashes):
        return [] if complete else [_reference_root(leaf_hashes)]
    split = 1 << ((len(leaf_hashes) - 1).bit_length() - 1)
    if size1 <= split:
        return _reference_subproof(size1, leaf_hashes[:split], complete) + [
            _reference_root(leaf_hashes[split:])
        ]
    return _reference_subproof(size1 - split, leaf_hashes[split:], False) + [
        _reference_root(leaf_hashes[:split])
    ]


def _leaves(count: int) -> list[bytes]:
    return [SHA256.hash_leaf(str(index).encode()) for index in range(count)]


def _flip(proof: list[bytes], item: int, byte: int) -> list[bytes]:
    tampered = list(proof)
    changed = bytearray(tampered[item])
    changed[byte] ^= 0x01
    tampered[item] = bytes(changed)
    return tampered


# --- Hashing --------------------------------------------------------------------------------


def test_sha256_hasher_matches_rfc6962_vectors():
    vectors = REFERENCE["hasher_vectors"]
    assert SHA256.empty_root().hex() == vectors["empty_root"]
    assert SHA256.hash_leaf(b"").hex() == vectors["empty_leaf"]
    assert SHA256.hash_leaf(b"L123456").hex() == vectors["leaf_L123456"]
    assert SHA256.hash_children(b"N123", b"N456").hex() == vectors["node_N123_N456"]
    assert SHA256.size == 32


def _sm3(data: bytes) -> bytes:
    digest = crypto_hashes.Hash(crypto_hashes.SM3())
    digest.update(data)
    return digest.finalize()


def test_sm3_hasher_uses_sm3_with_the_same_prefixes():
    sm3 = Hasher("sm3")
    # SM3("abc") is the example in GB/T 32905-2016, appendix A.
    assert _sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert sm3.empty_root() == _sm3(b"")
    assert sm3.hash_leaf(b"x") == _sm3(b"\x00x")
    assert sm3.hash_children(b"a", b"b") == _sm3(b"\x01ab")
    assert Hasher("SM3").hash_leaf(b"x") == sm3.hash_leaf(b"x")
    assert sm3.size == 32


def test_unknown_hash_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        Hasher("md5")


# --- Roots ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_reference_tree(size):
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size]
    assert MerkleTree(LEAF_HASHES).root(size) == ROOTS[size]


def test_compact_range_grows_through_the_reference_roots():
    compact = CompactRange()
    assert compact.root() == ROOTS[0]
    for size, leaf in enumerate(LEAF_INPUTS, start=1):
        compact.append_data(leaf)
        assert compact.size == size
        assert compact.root() == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_compact_range_keeps_the_published_perfect_subtrees(size):
    levels = [[bytes.fromhex(node) for node in level] for level in REFERENCE["node_hashes_hex"]]
    expected = [levels[level][index] for level, index in REFERENCE["compact_trees_nodes"][size]]
    compact = CompactRange()
    compact.extend(LEAF_HASHES[:size])
    assert list(compact.hashes) == expected


def test_in_memory_tree_stores_the_published_node_hashes():
    tree = MerkleTree(LEAF_HASHES)
    for height, level in enumerate(REFERENCE["node_hashes_hex"]):
        width = 1 << height
        for index, node in enumerate(level):
            start = index * width
            assert tree.subtree_root(start, start + width).hex() == node


def test_compact_range_resumes_from_stored_state():
    first = CompactRange()
    first.extend(LEAF_HASHES[:5])
    resumed = CompactRange.resume(first.size, first.hashes)
    resumed.extend(LEAF_HASHES[5:])
    assert resumed.root() == ROOTS[8]


def test_compact_range_refuses_inconsistent_state_and_bad_hashes():
    with pytest.raises(ValueError, match="2 hashes"):
        CompactRange.resume(5, [LEAF_HASHES[0]])
    with pytest.raises(ValueError, match="32-byte"):
        CompactRange().append(b"short")


def test_compact_range_memory_stays_logarithmic():
    compact = CompactRange()
    for index in range(5000):
        compact.append(LEAF_HASHES[index % 8])
        assert len(compact.hashes) == compact.size.bit_count() <= 13


def test_subtree_root_by_streaming_leaves():
    assert subtree_root(0, 8, LEAF_HASHES.__getitem__) == ROOTS[8]
    assert subtree_root(4, 6, LEAF_HASHES.__getitem__) == bytes.fromhex(
        REFERENCE["node_hashes_hex"][1][2]
    )


def test_in_memory_tree_refuses_ranges_that_are_not_nodes():
    tree = MerkleTree(LEAF_HASHES)
    for start, end in [(1, 3), (2, 5), (0, 9), (3, 3)]:
        with pytest.raises(ValueError, match="not a node"):
            tree.subtree_root(start, end)


# --- Proof generation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", REFERENCE["inclusion_proofs"], ids=lambda c: f"{c['index']}:{c['size']}"
)
def test_inclusion_proofs_match_the_reference_implementation(case):
    expected = [bytes.fromhex(item) for item in case["proof"]]
    index, size = case["index"], case["size"]
    assert inclusion_proof(index, size, LEAF_HASHES.__getitem__) == expected
    assert MerkleTree(LEAF_HASHES).inclusion_proof(index, size) == expected


@pytest.mark.parametrize(
    "case", REFERENCE["consistency_proofs"], ids=lambda c: f"{c['size1']}:{c['size2']}"
)
def test_consistency_proofs_match_the_reference_implementation(case):
    expected = [bytes.fromhex(item) for item in case["proof"]]
    size1, size2 = case["size1"], case["size2"]
    assert consistency_proof(size1, size2, LEAF_HASHES.__getitem__) == expected
    assert MerkleTree(LEAF_HASHES).consistency_proof(size1, size2) == expected


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 1), (-1, 4), (8, 8)])
def test_inclusion_proof_refuses_a_leaf_outside_the_tree(index, size):
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(index, size, LEAF_HASHES.__getitem__)


@pytest.mark.parametrize(("size1", "size2"), [(0, 3), (0, 0), (6, 3), (-1, 2)])
def test_consistency_proof_refuses_impossible_sizes(size1, size2):
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof(size1, size2, LEAF_HASHES.__getitem__)


def test_proof_generation_uses_the_subtree_callback_for_wide_nodes():
    calls = []

    def get_subtree_root(start, end):
        calls.append((start, end))
        return subtree_root(start, end, LEAF_HASHES.__getitem__)

    proof = inclusion_proof(6, 7, LEAF_HASHES.__getitem__, get_subtree_root=get_subtree_root)
    assert proof == MerkleTree(LEAF_HASHES).inclusion_proof(6, 7)
    assert calls == [(0, 4), (4, 6)]


# --- Published verification vectors --------------------------------------------------------


@pytest.mark.parametrize("vector", _load("inclusion"))
def test_inclusion_vectors(vector):
    verified = verify_inclusion(
        SHA256,
        vector["leafIdx"],
        vector["treeSize"],
        _b64(vector["leafHash"]),
        _proof(vector),
        _b64(vector["root"]),
    )
    assert verified is not vector["wantErr"]


@pytest.mark.parametrize("vector", _load("consistency"))
def test_consistency_vectors(vector):
    verified = verify_consistency(
        SHA256,
        vector["size1"],
        vector["size2"],
        _proof(vector),
        _b64(vector["root1"]),
        _b64(vector["root2"]),
    )
    assert verified is not vector["wantErr"]


def test_happy_path_vectors_are_the_proofs_we_generate():
    tree = MerkleTree(LEAF_HASHES)
    for vector in (v.values[0] for v in _load("inclusion")):
        if vector["file"] == "happy-path.json":
            index, size = vector["leafIdx"], vector["treeSize"]
            assert tree.inclusion_proof(index, size) == _proof(vector)
    for vector in (v.values[0] for v in _load("consistency")):
        if vector["file"] == "happy-path.json":
            size1, size2 = vector["size1"], vector["size2"]
            assert tree.consistency_proof(size1, size2) == _proof(vector)


def test_vector_files_are_all_there():
    inclusion, consistency = _load("inclusion"), _load("consistency")
    assert len(inclusion) == 98
    assert len(consistency) == 98
    assert sum(not v.values[0]["wantErr"] for v in inclusion + consistency) == 12


# --- Edge cases -----------------------------------------------------------------------------


def test_equal_sizes_need_an_empty_proof_and_equal_roots():
    assert verify_consistency(SHA256, 5, 5, [], ROOTS[5], ROOTS[5])
    assert not verify_consistency(SHA256, 5, 5, [], ROOTS[5], ROOTS[6])
    assert not verify_consistency(SHA256, 5, 5, [ROOTS[5]], ROOTS[5], ROOTS[5])


def test_consistency_from_the_empty_tree_is_refused():
    empty = SHA256.empty_root()
    assert not verify_consistency(SHA256, 0, 0, [], empty, empty)
    assert not verify_consistency(SHA256, 0, 3, [], empty, ROOTS[3])


@pytest.mark.parametrize(
    "bad",
    [
        {"index": True},
        {"index": -1},
        {"size": 2.0},
        {"proof": None},
        {"proof": "abc"},
        {"proof": [1, 2, 3]},
        {"leaf_hash": "6e34"},
        {"root": None},
    ],
)
def test_verify_inclusion_answers_false_to_malformed_input(bad):
    args = {"index": 2, "size": 3, "leaf_hash": LEAF_HASHES[2], "proof": [ROOTS[2]]}
    args["root"] = ROOTS[3]
    assert verify_inclusion(SHA256, **args)
    args.update(bad)
    assert verify_inclusion(SHA256, **args) is False


@pytest.mark.parametrize(
    "bad",
    [
        {"size1": False},
        {"size2": -8},
        {"proof": None},
        {"proof": [b""]},
        {"proof": [object()]},
        {"root1": "root"},
        {"root2": None},
    ],
)
def test_verify_consistency_answers_false_to_malformed_input(bad):
    proof = MerkleTree(LEAF_HASHES).consistency_proof(3, 8)
    args = {"size1": 3, "size2": 8, "proof": proof, "root1": ROOTS[3], "root2": ROOTS[8]}
    assert verify_consistency(SHA256, **args)
    args.update(bad)
    assert verify_consistency(SHA256, **args) is False


def test_proofs_work_with_sm3():
    sm3 = Hasher("sm3")
    leaves = [sm3.hash_leaf(data) for data in LEAF_INPUTS]
    tree = MerkleTree(leaves, hasher=sm3)
    assert tree.root() == _reference_root(leaves, sm3)
    assert verify_inclusion(sm3, 5, 7, leaves[5], tree.inclusion_proof(5, 7), tree.root(7))
    proof = tree.consistency_proof(3, 7)
    assert verify_consistency(sm3, 3, 7, proof, tree.root(3), tree.root(7))
    assert not verify_consistency(SHA256, 3, 7, proof, tree.root(3), tree.root(7))


# --- Properties -----------------------------------------------------------------------------

MAX_SIZE = 200
_TREE = MerkleTree(_leaves(MAX_SIZE))
_LEAVES = _leaves(MAX_SIZE)


@st.composite
def _index_and_size(draw):
    size = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(0, size - 1)), size


@st.composite
def _two_sizes(draw):
    size2 = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(1, size2)), size2


@settings(max_examples=300, deadline=None)
@given(_index_and_size(), st.data())
def test_generated_inclusion_proofs_verify_and_any_flipped_byte_breaks_them(case, data):
    index, size = case
    proof = _TREE.inclusion_proof(index, size)
    assert proof == _reference_path(index, _LEAVES[:size])
    assert proof == inclusion_proof(index, size, _LEAVES.__getitem__)
    root = _TREE.root(size)
    assert verify_inclusion(SHA256, index, size, _LEAVES[index], proof, root)
    if proof:
        item = data.draw(st.integers(0, len(proof) - 1))
        byte = data.draw(st.integers(0, SHA256.size - 1))
        tampered = _flip(proof, item, byte)
        assert not verify_inclusion(SHA256, index, size, _LEAVES[index], tampered, root)


@settings(max_examples=300, deadline=None)
@given(_two_sizes(), st.data())
def test_generated_consistency_proofs_verify_and_any_flipped_byte_breaks_them(sizes, data):
    size1, size2 = sizes
    proof = _TREE.consistency_proof(size1, size2)
    if size1 < size2:
        assert proof == _reference_subproof(size1, _LEAVES[:size2], True)
    assert proof == consistency_proof(size1, size2, _LEAVES.__getitem__)
    root1, root2 = _TREE.root(size1), _TREE.root(size2)
    assert verify_consistency(SHA256, size1, size2, proof, root1, root2)
    if proof:
        item = data.draw(st.integers(0, len(proof) - 1))
        byte = data.draw(st.integers(0, SHA256.size - 1))
        tampered = _flip(proof, item, byte)
        assert not verify_consistency(SHA256, size1, size2, tampered, root1, root2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=MAX_SIZE))
def test_compact_range_root_equals_the_recursive_root(entries):
    leaves = [SHA256.hash_leaf(entry) for entry in entries]
    compact = CompactRange()
    compact.extend(leaves)
    assert compact.root() == _reference_root(leaves)
    assert MerkleTree(leaves).root() == compact.root()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(-3, 300),
    st.integers(-3, 300),
    st.lists(st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=40)), max_size=12),
    st.binary(max_size=40),
    st.binary(max_size=40),
)
def test_verifiers_never_raise_on_arbitrary_input(first, second, proof, hash1, hash2):
    assert verify_inclusion(SHA256, first, second, hash1, proof, hash2) in (True, False)
    assert verify_consistency(SHA256, first, second, proof, hash1, hash2) in (True, False)


def test_streaming_root_of_many_entries_matches_hashlib_reference():
    # A cheap sanity check of the streaming path on a bigger, non-power-of-two tree.
    entries = [hashlib.sha256(str(i).encode()).digest() * 6 for i in range(3000)]
    leaves = [SHA256.hash_leaf(entry) for entry in entries]
    compact = CompactRange()
    for entry in entries:
        compact.append_data(entry)
    assert compact.root() == _reference_root(leaves)
