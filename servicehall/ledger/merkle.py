"""Merkle trees with the hashing of RFC 6962 / RFC 9162 (Certificate Transparency).

The ledger is an append-only log; its Merkle tree lets anyone check, with a few
hashes, that an entry is in the log (inclusion proof) and that a later log
extends an earlier one without rewriting it (consistency proof).

Hashing (RFC 9162 §2.1.1)::

    empty tree   MTH({})    = H(b"")
    leaf         MTH({d})   = H(0x00 || d)
    node         MTH(D[n])  = H(0x01 || MTH(D[0:k]) || MTH(D[k:n]))

where k is the largest power of two strictly less than n. The prefixes keep a
leaf from ever being confused with an inner node (second-preimage attacks).

Terms used below: a *node* of the tree of size n is a range of leaves
``[start, end)`` whose hash appears in that tree; its ``start`` is always a
multiple of the smallest power of two >= ``end - start``. A *perfect* node
covers a power-of-two number of leaves and is the same in every later tree;
the other nodes lie on the right border and change as the tree grows.

Everything here is pure Python on top of :mod:`hashlib` and ``cryptography``,
with no Django import, so that it can also run in an offline verifier.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes as crypto_hashes

__all__ = [
    "SHA256",
    "CompactRange",
    "Hasher",
    "MerkleTree",
    "consistency_proof",
    "inclusion_proof",
    "root_from_leaf_hashes",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

#: ``get_leaf_hash(i)`` returns the stored hash of leaf ``i``.
LeafHashFn = Callable[[int], bytes]
#: ``get_subtree_root(start, end)`` returns the hash of the node ``[start, end)``.
SubtreeRootFn = Callable[[int, int], bytes]


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class HashObject(Protocol):
    def digest(self) -> bytes: ...


class _SM3:
    """SM3 with hashlib's interface (``_SM3(data).digest()``), over ``cryptography``."""

    __slots__ = ("_hash",)

    def __init__(self, data: bytes = b"") -> None:
        self._hash = crypto_hashes.Hash(crypto_hashes.SM3())
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.copy().finalize()


def _sm3(data: bytes) -> bytes:
    digest = crypto_hashes.Hash(crypto_hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _sm3_supported() -> bool:
    # OpenSSL builds may leave SM3 out; fail when the hasher is built, not on
    # the first append deep inside a verification run.
    try:
        _sm3(b"")
    except UnsupportedAlgorithm:
        return False
    return True


class Hasher:
    """The hash function of a tree and the RFC 6962 domain separation.

    ``Hasher("sha256")`` (the default, RFC 6962) or ``Hasher("sm3")`` (GB/T
    32905, for deployments that must use the Chinese national algorithms).
    Both produce 32-byte hashes.
    """

    __slots__ = ("_digest", "name", "new", "size")

    def __init__(self, name: str = "sha256") -> None:
        key = name.lower().replace("-", "")
        if key == "sha256":
            self._digest = _sha256
            # ``new(data).digest()``, as hashlib's constructors: hot loops (``ledger
            # verify``) call it directly rather than through a method.
            self.new: Callable[[bytes], HashObject] = hashlib.sha256
        elif key == "sm3":
            if not _sm3_supported():
                raise ValueError("SM3 is not available in this OpenSSL build")
            self._digest = _sm3
            self.new = _SM3
        else:
            raise ValueError(f"unknown Merkle tree hash {name!r}; use 'sha256' or 'sm3'")
        self.name = key
        self.size = 32

    def __repr__(self) -> str:
        return f"Hasher({self.name!r})"

    def empty_root(self) -> bytes:
        """Root hash of the tree with no leaves: H(b"")."""
        return self._digest(b"")

    def hash_leaf(self, data: bytes) -> bytes:
        """Leaf hash of one log entry: H(0x00 || data)."""
        return self._digest(LEAF_PREFIX + data)

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        """Hash of an inner node: H(0x01 || left || right)."""
        return self._digest(NODE_PREFIX + left + right)


SHA256 = Hasher("sha256")


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (for n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _bit_ceil(n: int) -> int:
    """The smallest power of two >= ``n`` (for n >= 1)."""
    return 1 << (n - 1).bit_length()


def _is_count(value: object) -> bool:
    """A non-negative int that is not a bool: a tree size or a leaf index."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_node(start: int, end: int) -> bool:
    """Whether ``[start, end)`` can be a node of some RFC 6962 tree."""
    return 0 <= start < end and start % _bit_ceil(end - start) == 0


def _fold(hasher: Hasher, roots: Sequence[bytes]) -> bytes:
    """Hash perfect-subtree roots, largest first, into the root they cover.

    A tree of n leaves is the perfect subtrees of the binary decomposition of
    n, and its RFC 6962 root nests them from the right: H(P0, H(P1, P2)).
    """
    if not roots:
        return hasher.empty_root()
    root = roots[-1]
    for left in reversed(roots[:-1]):
        root = hasher.hash_children(left, root)
    return root


class CompactRange:
    """Append-only root accumulator that keeps O(log n) hashes.

    It holds the roots of the perfect subtrees that make up the leaves appended
    so far (one per set bit of the size, largest first). Appending a leaf
    merges equal-sized subtrees like a binary counter carry, so n appends cost
    n hashes of the leaves' parents in total (amortised one per leaf) and
    memory never exceeds 64 hashes: verifying a million-entry export streams
    with flat memory.

    The state (:attr:`size`, :attr:`hashes`) can be stored and later resumed
    with :meth:`resume`, e.g. to extend yesterday's tree head with today's
    entries.
    """

    __slots__ = ("_size", "_stack", "hasher")

    def __init__(self, hasher: Hasher = SHA256) -> None:
        self.hasher = hasher
        self._size = 0
        self._stack: list[bytes] = []

    @classmethod
    def resume(cls, size: int, hashes: Sequence[bytes], hasher: Hasher = SHA256) -> CompactRange:
        """Rebuild a range from a stored size and its perfect-subtree roots."""
        if not _is_count(size):
            raise ValueError("size must be a non-negative integer")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a range of {size} leaves has {size.bit_count()} hashes")
        for digest in hashes:
            _check_hash(hasher, digest)
        compact = cls(hasher)
        compact._size = size
        compact._stack = list(hashes)
        return compact

    @property
    def size(self) -> int:
        """Number of leaves appended."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Roots of the perfect subtrees, largest (leftmost) first."""
        return tuple(self._stack)

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf by its leaf hash (see :meth:`Hasher.hash_leaf`)."""
        _check_hash(self.hasher, leaf_hash)
        stack = self._stack
        hash_children = self.hasher.hash_children
        carry = self._size
        node = leaf_hash
        # Each trailing 1 bit of the old size is a perfect subtree of the same
        # size as the one being carried: merge them, as in binary addition.
        while carry & 1:
            node = hash_children(stack.pop(), node)
            carry >>= 1
        stack.append(node)
        self._size += 1

    def append_data(self, data: bytes) -> bytes:
        """Hash one entry as a leaf, append it and return its leaf hash."""
        leaf_hash = self.hasher.hash_leaf(data)
        self.append(leaf_hash)
        return leaf_hash

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes in order."""
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    def root(self) -> bytes:
        """Root hash of the tree of the leaves appended so far."""
        return _fold(self.hasher, self._stack)


def _check_hash(hasher: Hasher, digest: bytes) -> None:
    if not isinstance(digest, bytes) or len(digest) != hasher.size:
        raise ValueError(f"expected a {hasher.size}-byte hash, got {digest!r:.80}")


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes], hasher: Hasher = SHA256) -> bytes:
    """Root hash of the tree over the given leaf hashes (O(n) time, O(log n) memory)."""
    compact = CompactRange(hasher)
    compact.extend(leaf_hashes)
    return compact.root()


def subtree_root(start: int, end: int, get_leaf_hash: LeafHashFn, hasher: Hasher = SHA256) -> bytes:
    """Hash of the leaves ``[start, end)`` read one by one: O(end - start)."""
    compact = CompactRange(hasher)
    for index in range(start, end):
        compact.append(get_leaf_hash(index))
    return compact.root()


def _node_hasher(
    get_leaf_hash: LeafHashFn, hasher: Hasher, get_subtree_root: SubtreeRootFn | None
) -> SubtreeRootFn:
    """The function that proof generation uses to hash a node ``[start, end)``."""

    def node(start: int, end: int) -> bytes:
        if end - start == 1:
            return get_leaf_hash(start)
        if get_subtree_root is not None:
            return get_subtree_root(start, end)
        return subtree_root(start, end, get_leaf_hash, hasher)

    return node


def inclusion_proof(
    index: int,
    size: int,
    get_leaf_hash: LeafHashFn,
    *,
    hasher: Hasher = SHA256,
    get_subtree_root: SubtreeRootFn | None = None,
) -> list[bytes]:
    """Inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    RFC 9162 §2.1.3.1 (PATH), sibling hashes from the leaf up. The proof has
    one hash per level, i.e. at most ceil(log2(size)).

    Cost: without ``get_subtree_root`` each sibling is hashed from its leaves,
    which reads and hashes O(size) leaves in total (the siblings partition the
    tree). With ``get_subtree_root(start, end)`` (for instance a table of
    stored node hashes, or :meth:`MerkleTree.subtree_root`) it is O(log size)
    calls. ``get_subtree_root`` is only asked for nodes of the tree (see the
    module docstring) wider than one leaf; single leaves come from
    ``get_leaf_hash``.
    """
    if not (_is_count(size) and _is_count(index) and index < size):
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    node = _node_hasher(get_leaf_hash, hasher, get_subtree_root)
    proof = []
    start, end = 0, size
    # Walk down from the root; the sibling of each step is a proof element.
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            proof.append(node(middle, end))
            end = middle
        else:
            proof.append(node(start, middle))
            start = middle
    proof.reverse()
    return proof


def consistency_proof(
    size1: int,
    size2: int,
    get_leaf_hash: LeafHashFn,
    *,
    hasher: Hasher = SHA256,
    get_subtree_root: SubtreeRootFn | None = None,
) -> list[bytes]:
    """Consistency proof from the tree of ``size1`` leaves to that of ``size2``.

    RFC 9162 §2.1.4.1 (SUBPROOF with b = true), requires 0 < size1 <= size2;
    the proof is empty when the sizes are equal. A proof from the empty tree
    is meaningless (every tree extends it) and is refused, as
    transparency-dev/merkle does. Cost as for :func:`inclusion_proof`.
    """
    if not (_is_count(size1) and _is_count(size2) and 0 < size1 <= size2):
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    node = _node_hasher(get_leaf_hash, hasher, get_subtree_root)
    proof = []
    start, end = 0, size2
    remaining = size1  # Leaves of the old tree inside [start, end).
    old_root_is_node = True  # The old root is a node we are inside of.
    while remaining != end - start:
        split = _split(end - start)
        if remaining <= split:
            proof.append(node(start + split, end))
            end = start + split
        else:
            proof.append(node(start, start + split))
            start += split
            remaining -= split
            old_root_is_node = False
    if not old_root_is_node:
        # The verifier knows the old root, but not this node inside it.
        proof.append(node(start, end))
    proof.reverse()
    return proof


class MerkleTree:
    """A tree kept in memory with every perfect node hash: O(n) memory.

    ``levels[h][i]`` is the root of the perfect subtree of 2**h leaves that
    starts at leaf ``i * 2**h``. Any node is at most log2(n) of those, so
    roots at past sizes and proofs cost O(log n) hashes each. Meant for
    tests, tools and rebuilding a day's tree; the database keeps its own
    node table for the live log.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = (), hasher: Hasher = SHA256) -> None:
        self.hasher = hasher
        self._levels: list[list[bytes]] = [[]]
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def leaf_hash(self, index: int) -> bytes:
        """The hash of leaf ``index``."""
        return self._levels[0][index]

    def append(self, leaf_hash: bytes) -> None:
        """Append a leaf hash and the perfect nodes it completes."""
        _check_hash(self.hasher, leaf_hash)
        levels = self._levels
        levels[0].append(leaf_hash)
        height = 0
        while len(levels[height]) % 2 == 0:
            if height + 1 == len(levels):
                levels.append([])
            pair = levels[height][-2:]
            levels[height + 1].append(self.hasher.hash_children(pair[0], pair[1]))
            height += 1

    def subtree_root(self, start: int, end: int) -> bytes:
        """Hash of the node ``[start, end)`` from stored perfect nodes."""
        if not (_is_node(start, end) and end <= self.size):
            raise ValueError(f"[{start}, {end}) is not a node of a tree of size {self.size}")
        perfect = []
        # A node splits into the perfect subtrees of the binary decomposition
        # of its width, largest first, each aligned on its own size.
        while start < end:
            width = 1 << ((end - start).bit_length() - 1)
            height = width.bit_length() - 1
            perfect.append(self._levels[height][start >> height])
            start += width
        return _fold(self.hasher, perfect)

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree at ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        if not (_is_count(size) and size <= self.size):
            raise ValueError(f"no tree of size {size} in a tree of size {self.size}")
        if size == 0:
            return self.hasher.empty_root()
        return self.subtree_root(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of leaf ``index`` at ``size`` (default: all leaves)."""
        size = self.size if size is None else size
        if not (_is_count(size) and size <= self.size):
            raise ValueError(f"no tree of size {size} in a tree of size {self.size}")
        return inclusion_proof(
            index,
            size,
            self.leaf_hash,
            hasher=self.hasher,
            get_subtree_root=self.subtree_root,
        )

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Consistency proof from ``size1`` to ``size2`` (default: all leaves)."""
        size2 = self.size if size2 is None else size2
        if not (_is_count(size2) and size2 <= self.size):
            raise ValueError(f"no tree of size {size2} in a tree of size {self.size}")
        return consistency_proof(
            size1,
            size2,
            self.leaf_hash,
            hasher=self.hasher,
            get_subtree_root=self.subtree_root,
        )


def _is_hash(hasher: Hasher, value: object) -> bool:
    return isinstance(value, bytes) and len(value) == hasher.size


def _is_proof(value: object) -> bool:
    return isinstance(value, (list, tuple))


def verify_inclusion(
    hasher: Hasher,
    index: int,
    size: int,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> bool:
    """Whether ``proof`` shows leaf ``index`` with ``leaf_hash`` in the tree ``(size, root)``.

    The algorithm of RFC 9162 §2.1.3.2. Malformed input (a wrong hash length,
    an index outside the tree, a proof of the wrong length, values of the
    wrong type) gives False; this function never raises.
    """
    if not (_is_count(index) and _is_count(size) and index < size and _is_proof(proof)):
        return False
    if not (_is_hash(hasher, leaf_hash) and _is_hash(hasher, root)):
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0 or not _is_hash(hasher, p):
            return False
        if fn & 1 or fn == sn:
            r = hasher.hash_children(p, r)
            # On the right border, levels where this node has no sibling
            # are skipped: the node moves up unchanged.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hasher.hash_children(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    hasher: Hasher,
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> bool:
    """Whether ``proof`` shows the tree ``(size2, root2)`` extends ``(size1, root1)``.

    The algorithm of RFC 9162 §2.1.4.2 for 0 < size1 < size2. Equal sizes
    need an empty proof and equal roots. ``size1 == 0`` is refused, as in
    transparency-dev/merkle: the empty tree is a prefix of every tree, so
    there is nothing to prove, and a caller starting from an empty log should
    not ask. Malformed input gives False; this function never raises.
    """
    if not (_is_count(size1) and _is_count(size2) and 0 < size1 <= size2 and _is_proof(proof)):
        return False
    if not (isinstance(root1, bytes) and isinstance(root2, bytes)):
        return False
    if size1 == size2:
        # Same tree, so the same root; the published vectors accept this
        # without looking at the roots' length, and so do we.
        return not proof and hmac.compare_digest(root1, root2)
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # The old tree is a perfect node of the new one: the proof leaves its
        # hash out, the verifier already has it.
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    if not _is_hash(hasher, path[0]):
        return False
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0 or not _is_hash(hasher, c):
            return False
        if fn & 1 or fn == sn:
            fr = hasher.hash_children(c, fr)
            sr = hasher.hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hasher.hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, root1) and hmac.compare_digest(sr, root2)
