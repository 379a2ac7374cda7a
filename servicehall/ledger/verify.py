"""``ledger verify``: recompute every chain and tree, check every checkpoint, and
reconcile the business tables with the ledger.

It streams: entries are read in pages in sequence order and the tree is kept as a
compact range (O(log n) hashes), so memory stays flat whatever the ledger's size; a page
is checked as a whole (see ``_page_leaves``), and a large unit can be shared out among
processes (``workers``). It reports the first bad entry of each unit.

The fast path: on SQLite with SHA-256, where the C extension ``_fastverify`` is built
(setup.py), a page is read, rebuilt and hashed in C, and the perfect subtrees are hashed
in C: about ten times faster than Python reading the rows. It only ever vouches for a
page whose every link, sequence number and hash holds; any other page is checked again
here, in Python, which names the problem, so both paths give the same verdicts (the
tests hold them to it). On PostgreSQL the server builds and hashes the entries
(``_HASHED_PAGE_SQL``) and Python checks a page's links and hashes in bulk, with the same
fallback. ``FAST_PATH = False`` turns both off.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import repeat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, connection, connections
from django.db.models import Max

from . import merkle, notes
from .actions import hasher
from .canonical import ENTRY_FORMAT, NotCanonical, entry_bytes
from .models import Checkpoint, LedgerEntry, LedgerHead
from .registry import reconcilers

try:
    from . import _fastverify
except ImportError:  # not built: no C compiler where it was installed (see setup.py)
    _fastverify = None

CHUNK = 4096  # entries per page; a power of two, so a full page is one perfect subtree
HASH_SIZE = 32  # bytes of a SHA-256 or SM3 hash: leaves travel as one bytes object
FAST_PATH = True
# A unit at least this large may be verified by several processes (``workers``).
PARALLEL_MIN = 100_000
# The entries a parallel run shares out come in spans of 2**k entries (k at least this,
# and about four spans per process, which evens out the work): a span starts at a
# multiple of its size, so its tree is a run of perfect subtrees of the unit's tree.
SPAN_MIN_BITS = 14
# Canonical JSON has no spaces, so an entry naming other subjects contains exactly this.
ALSO_MARK = '"also":['

# One unit's entries in sequence order, read by keyset pages (memory stays flat) with a
# raw cursor: the ORM's row machinery and SQLite's datetime converters cost more than all
# the hashing. The time comes back as text, 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLite holds
# what Django wrote, str() of the UTC time, which leaves out a zero fraction: the query
# adds it back; PostgreSQL is asked for that form), and becomes ``canonical.timestamp``'s
# form by slicing or by replacing the space; no correction reads as ''; the payload comes
# as its UTF-8 bytes. The tests hold the bytes built from a row to equality with
# ``entry_bytes``; a row whose bytes still miss its hash is checked again through the ORM
# and ``entry_bytes`` before it is called bad (``_reference_leaf``), so both paths give
# the same verdict.
_ENTRY_PAGE_SQL = {
    "sqlite": (
        "SELECT seq, CASE WHEN length(at) = 19 THEN at || '.000000' ELSE CAST(at AS TEXT) END, "
        "actor_staff_no, channel, event_type, event_version, subject_type, subject_id, "
        "COALESCE(corrects_seq, ''), prev_hash, CAST(payload AS BLOB), entry_hash "
        "FROM ledger_ledgerentry WHERE unit_id = %s AND seq > %s ORDER BY seq LIMIT %s"
    ),
    "postgresql": (
        "SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
        "actor_staff_no, channel, event_type, event_version, subject_type, subject_id, "
        "COALESCE(corrects_seq::text, ''), prev_hash, convert_to(payload, 'UTF8'), entry_hash "
        "FROM ledger_ledgerentry WHERE unit_id = %s AND seq > %s ORDER BY seq LIMIT %s"
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, named so that an auditor can find it."""

    unit_id: int | None
    seq: int | None
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"unit {self.unit_id}" if self.unit_id is not None else "ledger"
        if self.seq is not None:
            where += f", entry {self.seq}"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class Summary:
    units: int = 0
    entries: int = 0
    checkpoints: int = 0
    rows_reconciled: int = 0


# PostgreSQL hashes the entries itself (sha256(), PostgreSQL 11 and later): a page comes
# back as (seq, prev_hash, entry_hash, leaf hash), each entry's bytes built in SQL as
# ``canonical.entry_bytes`` builds them, 0x00 first. A NULL anywhere makes the leaf NULL,
# and a page with one is left to the Python path (``_vouched``).
_HASHED_PAGE_SQL = (
    "SELECT seq, prev_hash, entry_hash, sha256('\\x00'::bytea || convert_to("
    "'servicehall-ledger-entry/1' || chr(10) || unit_id::text || chr(10) || seq::text "
    "|| chr(10) || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
    "|| chr(10) || actor_staff_no || chr(10) || channel || chr(10) || event_type || '@' "
    "|| event_version::text || chr(10) || subject_type || ':' || subject_id || chr(10) "
    "|| COALESCE(corrects_seq::text, '') || chr(10) || prev_hash || chr(10) || payload, "
    "'UTF8')) FROM ledger_ledgerentry WHERE unit_id = %s AND seq > %s ORDER BY seq LIMIT %s"
)


def entry_pages(
    unit_id: int, after: int = 0, until: int | None = None, *, sql: str | None = None
) -> Iterator[list[tuple]]:
    """Pages of ``(seq, timestamp, actor_staff_no, channel, event_type, event_version,
    subject_type, subject_id, corrects_seq, prev_hash, payload bytes, entry_hash)`` after
    entry ``after`` (up to entry ``until``, if given), in sequence order; or of what
    ``sql`` selects, with the same conditions."""
    sql = sql or _ENTRY_PAGE_SQL[connection.vendor]
    # Bounding the page by sequence number keeps PostgreSQL on the index even when the
    # table's statistics are stale (after a restore or a bulk load, an unbounded keyset
    # query planned a sort of every remaining row per page: 21 s instead of 1 s at 300k).
    bounded = sql.replace("AND seq > %s ORDER BY", "AND seq > %s AND seq <= %s ORDER BY")
    if until is not None:
        end = f"AND seq <= {int(until)} ORDER BY"
        sql, bounded = (text.replace("ORDER BY", end) for text in (sql, bounded))
    with connection.cursor() as cursor:
        while True:
            cursor.execute(bounded, [unit_id, after, after + CHUNK, CHUNK])
            page = cursor.fetchall()
            if not page:
                # A gap wider than a page: look past it once so it is reported, not hidden.
                cursor.execute(sql, [unit_id, after, CHUNK])
                page = cursor.fetchall()
                if not page:
                    return
            yield page
            after = page[-1][0]


def fast_entry_bytes(unit_id: int, row: tuple) -> bytes:
    """An entry's canonical bytes from a row of :func:`entry_pages`, built as
    :func:`verify_unit` builds them (a page at a time, in :func:`_page_leaves`)."""
    seq, stamp, staff_no, channel, event, version, stype, sid, corrects, prev, payload, _h = row
    return (
        f"{ENTRY_FORMAT.decode()}\n{unit_id}\n{seq}\n"
        f"{stamp[:10]}T{stamp[11:19]}{stamp[19:] or '.000000'}Z\n{staff_no}\n{channel}\n"
        f"{event}@{version}\n{stype}:{sid}\n{corrects}\n{prev}\n"
    ).encode() + payload


def _reference_leaf(unit_id: int, seq: int, tree_hasher: merkle.Hasher) -> bytes | None:
    """The leaf hash of an entry read through the ORM and ``entry_bytes``, or None when the
    entry cannot be read back (a time that is no time) or has no canonical bytes (a header
    value with a newline).

    Only called for a row whose fast bytes do not match its hash, so that a value stored
    in another form than Django's is judged exactly as ``entry_bytes`` judges it.
    """
    try:
        entry = LedgerEntry.objects.filter(unit_id=unit_id, seq=seq).first()
        if entry is None:
            return None
        data = entry_bytes(
            unit_id=unit_id, seq=seq, at=entry.at, actor_staff_no=entry.actor_staff_no,
            channel=entry.channel, event_type=entry.event_type,
            event_version=entry.event_version, subject_type=entry.subject_type,
            subject_id=entry.subject_id, corrects_seq=entry.corrects_seq,
            prev_hash=entry.prev_hash, payload=entry.payload,
        )  # fmt: skip
    except (NotCanonical, ValueError, TypeError, AttributeError, DataError):
        return None
    return tree_hasher.hash_leaf(data)


class _Tree:
    """A tree of ``size`` leaves as its compact range: the roots of the perfect subtrees of
    the binary decomposition of ``size``, largest first (as ``merkle.CompactRange``), grown
    a perfect subtree at a time. Hashing is done by ``map`` over whole levels: no Python
    bytecode runs per hash."""

    __slots__ = ("digest", "fast_root", "hasher", "new", "size", "stack")

    def __init__(self, tree_hasher: merkle.Hasher) -> None:
        self.hasher = tree_hasher
        self.new = tree_hasher.new
        self.digest = type(tree_hasher.new(b"")).digest
        # The perfect subtrees hashed in C, where it is built and the hash is SHA-256.
        self.fast_root = (
            _fastverify.perfect_root
            if FAST_PATH and _fastverify is not None and tree_hasher.name == "sha256"
            else None
        )
        self.size = 0
        self.stack: list[bytes] = []

    def copy(self) -> _Tree:
        twin = _Tree(self.hasher)
        twin.size, twin.stack = self.size, list(self.stack)
        return twin

    def leaves(self, blobs) -> bytes:
        """The leaf hashes of entries' bytes, each already prefixed with 0x00, concatenated."""
        return b"".join(map(self.digest, map(self.new, blobs)))

    def push(self, height: int, node: bytes) -> None:
        """Append the perfect subtree of 2**height leaves whose root is ``node``; the size
        is a multiple of 2**height. Equal subtrees merge as in binary addition."""
        carry = self.size >> height
        while carry & 1:
            node = self.digest(self.new(b"\x01" + self.stack.pop() + node))
            carry >>= 1
        self.stack.append(node)
        self.size += 1 << height

    def _perfect_root(self, leaves: bytes) -> bytes:
        """The root of 2**k leaf hashes, concatenated."""
        if self.fast_root is not None:
            return self.fast_root(leaves)
        new, digest, node_prefix, join = self.new, self.digest, b"\x01".__add__, bytes.__add__
        level = [leaves[start : start + HASH_SIZE] for start in range(0, len(leaves), HASH_SIZE)]
        while len(level) > 1:
            pairs = map(join, level[0::2], level[1::2])
            level = list(map(digest, map(new, map(node_prefix, pairs))))
        return level[0]

    def extend(self, leaves: bytes) -> None:
        """Grow the tree by leaf hashes, concatenated."""
        done, count = 0, len(leaves) // HASH_SIZE
        while done < count:
            # The largest perfect subtree that can come next: aligned, and not too long.
            aligned = (self.size & -self.size).bit_length() - 1 if self.size else 63
            height = min(aligned, (count - done).bit_length() - 1)
            end = done + (1 << height)
            self.push(height, self._perfect_root(leaves[done * HASH_SIZE : end * HASH_SIZE]))
            done = end

    def nodes(self) -> list[tuple[int, bytes]]:
        """(height, root) of the subtrees, largest first, to be pushed onto another tree."""
        heights = [bit for bit in range(self.size.bit_length() - 1, -1, -1) if self.size >> bit & 1]
        return list(zip(heights, self.stack, strict=True))

    def root(self) -> bytes:
        return merkle.CompactRange.resume(self.size, self.stack, self.hasher).root()


def _slow_leaves(
    unit_id: int, page: list[tuple], expected_seq: int, prev_hash: str | None, tree: _Tree
) -> tuple[bytes, Problem | None]:
    """The page entry by entry, to name the first bad one exactly (or to accept an entry
    whose stored text is another form of the same value, see ``_reference_leaf``): the
    leaf hashes of the good entries before it, and the problem."""
    leaves: list[bytes] = []
    for row in page:
        seq, prev, stored = row[0], row[9], row[11]
        if seq != expected_seq:
            kind = "missing entry" if seq > expected_seq else "sequence"
            problem = Problem(
                unit_id, expected_seq, kind, f"expected entry {expected_seq}, found {seq}"
            )
            return b"".join(leaves), problem
        try:
            leaf = tree.hasher.hash_leaf(fast_entry_bytes(unit_id, row))
        except TypeError:  # a NULL, which only a changed schema lets in
            leaf = b""
        if prev_hash is not None and prev != prev_hash:
            problem = Problem(unit_id, seq, "chain", "the previous-hash link is broken")
            return b"".join(leaves), problem
        if leaf.hex() != stored:
            leaf = _reference_leaf(unit_id, seq, tree.hasher)
            if leaf is None or leaf.hex() != stored:
                problem = Problem(
                    unit_id, seq, "content", "the entry's content does not match its hash"
                )
                return b"".join(leaves), problem
        leaves.append(leaf)
        prev_hash = stored
        expected_seq += 1
    return b"".join(leaves), None


def _page_leaves(
    unit_id: int, page: list[tuple], expected_seq: int, prev_hash: str | None, tree: _Tree
) -> tuple[bytes, Problem | None]:
    """The leaf hashes of a page whose entries follow on from ``expected_seq - 1`` (whose
    hash is ``prev_hash``; None: not known here) and match their stored hashes; with a
    bad entry, those of the entries before it and the problem.

    A page at a time: the columns are transposed, the entries' bytes built and hashed and
    the hashes compared by ``map``, ``join`` and tuple comparison, with no Python
    bytecode per entry (which cost more than the hashing). Anything amiss, or any value
    these cannot build bytes from, sends the page through :func:`_slow_leaves`.
    """
    count = len(page)
    try:
        (
            seqs, stamps, staff, channels, events, versions, stypes, sids, corrects, prevs,
            payloads, stored,
        ) = zip(*page, strict=True)  # fmt: skip
        if seqs != tuple(range(expected_seq, expected_seq + count)):
            raise ValueError
        if (prev_hash is not None and prevs[0] != prev_hash) or prevs[1:] != stored[:-1]:
            raise ValueError
        headers = map(
            _HEADER.replace("{unit}", str(unit_id)).format,
            seqs, map(str.replace, stamps, repeat(" ", count), repeat("T", count)), staff,
            channels, events, versions, stypes, sids, corrects, prevs,
        )  # fmt: skip
        leaves = tree.leaves(map(bytes.__add__, map(str.encode, headers), payloads))
        if leaves.hex() != "".join(stored):
            raise ValueError
    except (ValueError, TypeError, AttributeError):
        return _slow_leaves(unit_id, page, expected_seq, prev_hash, tree)
    return leaves, None


# An entry's bytes up to its payload, 0x00 (the RFC 6962 leaf prefix) first, as
# ``canonical.entry_bytes`` writes them; ``{unit}`` is put in once per unit.
_HEADER = (
    "\x00"
    + ENTRY_FORMAT.decode().replace("{", "{{").replace("}", "}}")
    + "\n{unit}\n{}\n{}Z\n{}\n{}\n{}@{}\n{}:{}\n{}\n{}\n"
)


def _walk(
    unit_id: int,
    tree: _Tree,
    prev_hash: str | None,
    at_size: Callable[[int], Problem | None],
    checkpoint_sizes: Iterable[int],
    *,
    offset: int = 0,
    until: int | None = None,
) -> tuple[Problem | None, str | None, str | None]:
    """Check the entries after entry ``offset + tree.size`` (up to entry ``until``) and
    grow the tree with them; ``at_size(size)`` is called when the entries reach each of
    ``checkpoint_sizes`` (ascending, each past the start), as soon as the entries up to
    it are good. Returns the first problem, the first entry's previous hash and the last
    good entry's hash (None when there is none)."""
    sizes = iter(checkpoint_sizes)
    next_size = next(sizes, None)
    first_prev = last_hash = None
    pages = _checked_pages(unit_id, offset + tree.size, until, prev_hash, tree)
    for leaves, problem, page_first_prev, page_last_hash in pages:
        if first_prev is None:
            first_prev = page_first_prev
        count = len(leaves) // HASH_SIZE
        end, done = offset + tree.size + count, 0
        while next_size is not None and next_size <= end:
            take = next_size - offset - tree.size
            tree.extend(leaves[done * HASH_SIZE : (done + take) * HASH_SIZE])
            done += take
            if checkpoint_problem := at_size(next_size):
                return checkpoint_problem, first_prev, last_hash
            next_size = next(sizes, None)
        tree.extend(leaves[done * HASH_SIZE :])
        if count:
            last_hash = page_last_hash
        if problem is not None:
            return problem, first_prev, last_hash
    return None, first_prev, last_hash


def _scanner(tree_hasher: merkle.Hasher):
    """The C reader of this SQLite database's ledger (``_fastverify.Scanner``), or None
    where the fast path cannot see what this connection sees: inside a transaction, an
    in-memory database, another database or hash, or the extension not built."""
    if not FAST_PATH or _fastverify is None or tree_hasher.name != "sha256":
        return None
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    if connection.is_in_memory_db():
        return None
    try:
        return _fastverify.Scanner(str(connection.settings_dict["NAME"]))
    except OSError:
        return None


def _vouched(page: list[tuple], after: int, prev_hash: str | None):
    """``(leaf hashes, first previous hash, last hash)`` of a page of ``_HASHED_PAGE_SQL``
    whose entries follow on from entry ``after`` (whose hash is ``prev_hash``; None: not
    known), link up and hash to their stored hashes; else None."""
    try:
        seqs, prevs, stored, leaves = zip(*page, strict=True)
        if seqs != tuple(range(after + 1, after + 1 + len(page))):
            return None
        if (prev_hash is not None and prevs[0] != prev_hash) or prevs[1:] != stored[:-1]:
            return None
        blob = b"".join(map(bytes, leaves))
        if len(blob) != HASH_SIZE * len(page) or blob.hex() != "".join(stored):
            return None
    except (TypeError, ValueError):  # a NULL
        return None
    return blob, prevs[0], stored[-1]


def _server_hashes(tree_hasher: merkle.Hasher) -> bool:
    """Whether the database hashes the entries (PostgreSQL, SHA-256)."""
    return FAST_PATH and connection.vendor == "postgresql" and tree_hasher.name == "sha256"


def _checked_pages(
    unit_id: int, after: int, until: int | None, prev_hash: str | None, tree: _Tree
) -> Iterator[tuple[bytes, Problem | None, str, str | None]]:
    """The entries after entry ``after`` (up to entry ``until``) checked a page at a time:
    ``(leaf hashes, problem, the page's first previous hash, its last good hash)``, the
    leaf hashes those of the good entries before the problem, if any (the last page).
    Each page through the C scanner (SQLite) or hashed by the server (PostgreSQL) where
    that can vouch for it, else in Python."""
    scanner = _scanner(tree.hasher)
    server_hashes = _server_hashes(tree.hasher)
    try:
        while True:
            fast = None
            if scanner is not None:
                fast = scanner.page(unit_id, after, until or 0, CHUNK, prev_hash)
            elif server_hashes:
                hashed = next(entry_pages(unit_id, after, until, sql=_HASHED_PAGE_SQL), None)
                if hashed is None:
                    return
                fast = _vouched(hashed, after, prev_hash)
            if fast is not None:
                leaves, first_prev, last_hash = fast
                if not leaves:
                    return
                problem = None
            else:
                page = next(entry_pages(unit_id, after, until), None)
                if page is None:
                    return
                leaves, problem = _page_leaves(unit_id, page, after + 1, prev_hash, tree)
                count = len(leaves) // HASH_SIZE
                first_prev = page[0][9]
                last_hash = page[count - 1][11] if count else None
            yield leaves, problem, first_prev, last_hash
            if problem is not None:
                return
            after += len(leaves) // HASH_SIZE
            prev_hash = last_hash
    finally:
        if scanner is not None:
            scanner.close()


@dataclass
class _Span:
    """What one process found in entries ``after + 1`` to ``until`` of a unit, checked as
    a tree of their own: every entry there, in order, each link and each hash good."""

    after: int
    until: int
    good: bool = False
    first_prev: str | None = None
    last_hash: str | None = None
    nodes: list[tuple[int, bytes]] = field(default_factory=list)
    # The span's tree when the entries reached a checkpoint's size.
    at_checkpoints: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)


def _verify_span(job: tuple[int, int, int, list[int]]) -> _Span:
    unit_id, after, until, sizes = job
    span = _Span(after, until)
    tree = _Tree(hasher())

    def keep(size: int) -> None:
        span.at_checkpoints[size] = tree.nodes()

    problem, span.first_prev, span.last_hash = _walk(
        unit_id, tree, None, keep, sizes, offset=after, until=until
    )
    span.good = problem is None and tree.size == until - after
    span.nodes = tree.nodes()
    return span


def _plan_spans(last: int, workers: int) -> list[tuple[int, int]]:
    """Entries 1 to ``last`` in spans of 2**k, about four per process."""
    bits = max(SPAN_MIN_BITS, (max(1, last // (4 * workers)) - 1).bit_length())
    size = 1 << bits
    return [(after, min(after + size, last)) for after in range(0, last, size)]


def _forked_pool(workers: int):
    """A pool of ``workers`` processes forked from this one, or None when they could not
    read what this one sees (inside a transaction, or an in-memory test database)."""
    if workers < 2 or connection.in_atomic_block:
        return None
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return None
    # A forked child must not use its parent's connection: it opens its own.
    connections.close_all()
    return multiprocessing.get_context("fork").Pool(workers)


def verify_unit(unit_id: int, summary: Summary, *, workers: int = 1) -> Problem | None:
    """The first problem of one unit's chain, tree and checkpoints, or None.

    With ``workers`` above 1, a unit of at least ``PARALLEL_MIN`` entries is checked in
    spans by that many forked processes; this one checks that the spans link up, grows
    the tree from their subtrees and checks the checkpoints. A span with anything wrong
    is checked again here, entry by entry from its start, so the problem named is the one
    a single process names.
    """
    tree_hasher = hasher()
    verifier = notes.Signer.from_key_string(settings.LEDGER_SIGNER_KEY).verifier()
    by_size: dict[int, list[tuple[str, str]]] = {}
    for size, root_hex, signed in (
        Checkpoint.objects.filter(unit_id=unit_id)
        .order_by("size", "pk")
        .values_list("size", "root_hash", "signed_note")
    ):
        by_size.setdefault(size, []).append((root_hex, signed))
    tree = _Tree(tree_hasher)

    def check_checkpoints(size: int, at: _Tree) -> Problem | None:
        for root_hex, signed in by_size.pop(size):
            summary.checkpoints += 1
            try:
                body = notes.Checkpoint.parse(notes.open_note(signed, [verifier]))
            except notes.NoteError as error:
                return Problem(unit_id, size, "checkpoint signature", str(error))
            if body.size != size or body.root_hash.hex() != root_hex:
                return Problem(unit_id, size, "checkpoint", "the signed text differs from the row")
            if at.root() != body.root_hash:
                return Problem(
                    unit_id, size, "checkpoint root",
                    "the entries up to this size do not give the signed root",
                )  # fmt: skip
        return None

    prev_hash = ""
    if 0 in by_size and (problem := check_checkpoints(0, tree)):
        return problem
    # Several processes, if asked and worth it; the entries they leave (any written
    # since, or all of them when a span is not good) are checked here.
    last = 0
    if workers > 1:
        last = LedgerEntry.objects.filter(unit_id=unit_id).aggregate(last=Max("seq"))["last"] or 0
    if last >= PARALLEL_MIN:
        pool = _forked_pool(workers)
        with pool or contextlib.nullcontext():
            jobs = [
                (unit_id, after, until, sorted(s for s in by_size if after < s <= until))
                for after, until in _plan_spans(last, workers)
            ]
            # Where no process can be forked, the spans are checked here, one by one.
            for span in (pool.imap if pool else map)(_verify_span, jobs):
                if not span.good or span.first_prev != prev_hash:
                    break
                for size, nodes in span.at_checkpoints.items():
                    at = tree.copy()
                    for height, node in nodes:
                        at.push(height, node)
                    if problem := check_checkpoints(size, at):
                        summary.entries += size - tree.size
                        return problem
                for height, node in span.nodes:
                    tree.push(height, node)
                prev_hash = span.last_hash
                summary.entries += span.until - span.after
    start = tree.size
    problem, _first, last_hash = _walk(
        unit_id, tree, prev_hash, lambda size: check_checkpoints(size, tree), sorted(by_size)
    )
    summary.entries += tree.size - start
    if problem is not None:
        return problem
    if last_hash is not None:
        prev_hash = last_hash

    if by_size:
        size = min(by_size)
        return Problem(
            unit_id, size, "missing entries",
            f"a checkpoint signs {size} entries but only {tree.size} exist",
        )  # fmt: skip
    head = LedgerHead.objects.filter(unit_id=unit_id).values_list("seq", "head_hash").first()
    if head is not None and head != (tree.size, prev_hash):
        # The first entry that disagrees: one past the shorter of the head and the ledger.
        return Problem(
            unit_id, min(head[0], tree.size) + 1, "head",
            f"the chain's head says entry {head[0]} but the ledger ends at {tree.size}",
        )  # fmt: skip
    return None


# Business rows, and the subjects of the ledger, are reconciled this many at a time.
RECONCILE_BATCH = 1000

# A subject's latest recorded state: (unit, entry, 0 for its own entry or 1 for another
# entry naming it under "also", the state; None: the action removed the row).
Recorded = tuple[int, int, int, dict | None]


def _states_named_by_others() -> dict[tuple[str, str], Recorded]:
    """The latest state of every subject recorded under "also" by another subject's entry.

    Held in memory for the whole reconciliation: only a few actions record other rows
    (a case's one-time notice, a rectification and its rounds), so this grows with those
    rows, not with the ledger."""
    latest: dict[tuple[str, str], Recorded] = {}
    rows = (
        LedgerEntry.objects.filter(payload__contains=ALSO_MARK)
        .order_by("unit_id", "seq")
        .values_list("unit_id", "seq", "payload")
    )
    for unit_id, seq, payload in rows.iterator(CHUNK):
        for other in json.loads(payload).get("also", ()):
            if isinstance(other, dict) and ":" in str(other.get("subject", "")):
                subject_type, _colon, subject_id = str(other["subject"]).partition(":")
                latest[(subject_type, subject_id)] = (unit_id, seq, 1, other.get("state"))
    return latest


def _own_states(subject_type: str, subject_ids: list[str]) -> dict[str, Recorded]:
    """The latest state each of these subjects' own entries recorded under "state"."""
    latest: dict[str, Recorded] = {}
    rows = (
        LedgerEntry.objects.filter(subject_type=subject_type, subject_id__in=subject_ids)
        .order_by("unit_id", "seq")
        .values_list("subject_id", "unit_id", "seq", "payload")
    )
    for subject_id, unit_id, seq, payload in rows:
        data = json.loads(payload)
        if "state" in data:
            latest[subject_id] = (unit_id, seq, 0, data["state"])
    return latest


def _latest(own: dict[str, Recorded], others: dict[str, Recorded], key: str) -> Recorded | None:
    """A subject's latest recorded state, from its own entries or another's "also"."""
    return max((r for r in (own.get(key), others.get(key)) if r is not None), default=None)


def _keyset(queryset, key: str, size: int, key_of: Callable = lambda row: row.pk) -> Iterator[list]:
    """``queryset`` in pages of ``size`` ordered by ``key`` (``key_of(row)`` its value),
    each page a query of its own: no cursor is held open while a page is checked."""
    last = None
    while True:
        page = queryset.order_by(key)
        if last is not None:
            page = page.filter(**{f"{key}__gt": last})
        page = list(page[:size])
        if not page:
            return
        yield page
        last = key_of(page[-1])


def _differs(current: dict, recorded) -> bool:
    """A row differs from its recorded state when any recorded field has another value
    now. Fields a state function gained after an entry was written are not in that
    entry, so they are not compared (an upgrade does not flag every older row)."""
    if not isinstance(recorded, dict):
        return True
    return any(key not in current or current[key] != value for key, value in recorded.items())


def _as_pks(model, subject_ids: list[str]) -> dict[str, object]:
    """Subject ids that can name a row of ``model``, with the primary key each names."""
    field = model._meta.pk
    pks = {}
    for subject_id in subject_ids:
        try:
            pks[subject_id] = field.to_python(subject_id)
        except (ValidationError, ValueError, TypeError):
            continue
    return pks


def reconcile(summary: Summary) -> Iterator[Problem]:
    """Every registered business row must equal the state its latest entry recorded.

    An entry records its subject's state under ``state``; an action that changes other
    rows too (a case's correction creates its one-time notice) records theirs under
    ``also``: ``[{"subject": "type:id", "state": {...}}]``, one entry for one action.

    It streams: the rows are read in pages of ``RECONCILE_BATCH``, each page's entries
    looked up by subject (an index), then the ledger's subjects in pages, to find rows
    deleted behind its back; only the states recorded under "also" are held throughout.
    """
    named_by_others = _states_named_by_others()
    for reconciler in reconcilers():
        subject_type, model = reconciler.subject_type, reconciler.model
        others = {
            subject_id: recorded
            for (other_type, subject_id), recorded in named_by_others.items()
            if other_type == subject_type
        }
        # Every row against its latest recorded state.
        for rows in _keyset(model._default_manager.all(), "pk", RECONCILE_BATCH):
            own = _own_states(subject_type, [str(row.pk) for row in rows])
            for row in rows:
                summary.rows_reconciled += 1
                recorded = _latest(own, others, str(row.pk))
                unit_id = getattr(row, reconciler.unit_field)
                if recorded is None or recorded[3] is None:
                    yield Problem(
                        unit_id, None, "unrecorded row",
                        f"{subject_type} {row.pk} has no ledger entry",
                    )  # fmt: skip
                elif _differs(reconciler.state(row), recorded[3]):
                    yield Problem(
                        unit_id, recorded[1], "row changed behind the ledger",
                        f"{subject_type} {row.pk} differs from the state its latest entry "
                        "recorded",
                    )  # fmt: skip
        # Every subject the ledger knows must still have its row, unless its latest entry
        # removed it.
        subjects = (
            LedgerEntry.objects.filter(subject_type=subject_type)
            .values_list("subject_id", flat=True)
            .distinct()
        )
        pages = _keyset(subjects, "subject_id", RECONCILE_BATCH, key_of=str)
        also_only = sorted(set(others) - set(subjects.filter(subject_id__in=list(others))))
        also_pages = (
            also_only[start : start + RECONCILE_BATCH]
            for start in range(0, len(also_only), RECONCILE_BATCH)
        )
        for subject_ids in itertools.chain(pages, also_pages):
            pks = _as_pks(model, subject_ids)
            present = {
                str(pk)
                for pk in model._default_manager.filter(pk__in=list(pks.values())).values_list(
                    "pk", flat=True
                )
            }
            missing = [subject_id for subject_id in subject_ids if subject_id not in present]
            if not missing:
                continue
            own = _own_states(subject_type, missing)
            for subject_id in missing:
                recorded = _latest(own, others, subject_id)
                if recorded is not None and recorded[3] is not None:
                    yield Problem(
                        recorded[0], recorded[1], "row deleted behind the ledger",
                        f"{subject_type} {subject_id} is recorded but missing",
                    )  # fmt: skip


def verify_all(*, workers: int = 1) -> tuple[list[Problem], Summary]:
    """Every unit's chain, tree and checkpoints (a large unit shared out among ``workers``
    forked processes, see :func:`verify_unit`), then the reconciliation."""
    summary = Summary()
    problems: list[Problem] = []
    unit_ids = sorted(
        set(LedgerEntry.objects.values_list("unit_id", flat=True).distinct())
        | set(LedgerHead.objects.values_list("unit_id", flat=True))
        | set(Checkpoint.objects.values_list("unit_id", flat=True).distinct())
    )
    for unit_id in unit_ids:
        summary.units += 1
        if problem := verify_unit(unit_id, summary, workers=workers):
            problems.append(problem)
    problems.extend(reconcile(summary))
    return problems, summary


def as_json(problems: list[Problem], summary: Summary) -> str:
    return json.dumps(
        {"ok": not problems, "summary": asdict(summary), "problems": [asdict(p) for p in problems]},
        ensure_ascii=False,
        indent=2,
    )
