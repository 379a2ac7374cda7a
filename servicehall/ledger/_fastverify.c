/* The hot loop of ``ledger verify`` on SQLite, in C (see verify.py, "The fast path").

   Python reading a ledger row through the sqlite3 module, building its canonical bytes
   and hashing them costs about ten times hashing the bytes alone; here a page of a unit's
   entries is read with SQLite's own API (a read-only connection of its own), each
   entry's bytes are built as canonical.entry_bytes builds them and hashed with OpenSSL's
   SHA-256, and the page is vouched for only if every sequence number follows on, every
   previous-hash link holds and every recomputed leaf hash equals the stored one. This
   module never judges anything bad: a page it cannot vouch for goes back to the Python
   path, which names the problem. A wrong byte here can only make a good page look
   doubtful (and be checked again in Python), never a bad page look good, because a page
   is vouched for only when SHA-256 of the bytes built here equals the hash that
   ``ledger.actions.append`` stored.

   Scanner(path).page(unit_id, after, until, limit, prev_hash)
       The entries after ``after`` (up to ``until``; 0: no bound), at most ``limit``:
       (leaf hashes, 32 bytes each, concatenated; the first entry's previous hash; the
       last entry's hash), (b"", None, None) when there are none, or None when the page
       is not vouched for. ``prev_hash`` (or None: not known) is the hash the first
       entry must link to.
   perfect_root(leaves)
       The RFC 6962 root of 2**k leaf hashes (concatenated): node = SHA-256(0x01 || l || r).
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* SHA256_Init/Update/Final: deprecated in OpenSSL 3 in favour of EVP, whose one-shot
   SHA256() fetches the algorithm on every call (~0.3 us, as much as hashing an entry). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#define HASH_SIZE 32
#define HEX_SIZE 64
#define FORMAT_LINE "servicehall-ledger-entry/1\n"

static const char *BOUNDED_SQL =
    "SELECT seq, at, actor_staff_no, channel, event_type, event_version, subject_type, "
    "subject_id, corrects_seq, prev_hash, payload, entry_hash FROM ledger_ledgerentry "
    "WHERE unit_id = ?1 AND seq > ?2 AND seq <= ?3 AND seq <= ?4 ORDER BY seq LIMIT ?5";
/* A gap wider than a page: looked past once, so that the Python path reports it. */
static const char *UNBOUNDED_SQL =
    "SELECT seq, at, actor_staff_no, channel, event_type, event_version, subject_type, "
    "subject_id, corrects_seq, prev_hash, payload, entry_hash FROM ledger_ledgerentry "
    "WHERE unit_id = ?1 AND seq > ?2 AND seq <= ?4 ORDER BY seq LIMIT ?5";

enum { C_SEQ, C_AT, C_STAFF, C_CHANNEL, C_EVENT, C_VERSION, C_STYPE, C_SID, C_CORRECTS,
       C_PREV, C_PAYLOAD, C_HASH };

typedef struct {
    unsigned char *data;
    size_t size, capacity;
} Buffer;

static int buffer_reserve(Buffer *buffer, size_t more) {
    if (buffer->size + more <= buffer->capacity) return 0;
    size_t capacity = buffer->capacity ? buffer->capacity : 1024;
    while (capacity < buffer->size + more) capacity *= 2;
    unsigned char *data = realloc(buffer->data, capacity);
    if (data == NULL) return -1;
    buffer->data = data;
    buffer->capacity = capacity;
    return 0;
}

static int buffer_add(Buffer *buffer, const void *bytes, size_t count) {
    if (buffer_reserve(buffer, count) < 0) return -1;
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size += count;
    return 0;
}

static int buffer_byte(Buffer *buffer, unsigned char byte) { return buffer_add(buffer, &byte, 1); }

/* A text column, which must not be NULL (sqlite3_column_text gives NULL for NULL). */
static int add_text(Buffer *buffer, sqlite3_stmt *statement, int column) {
    const unsigned char *text = sqlite3_column_text(statement, column);
    if (text == NULL) return -1;
    return buffer_add(buffer, text, (size_t)sqlite3_column_bytes(statement, column));
}

/* An integer column in decimal, as str() writes it (SQLite's own conversion cost more
   than this); a value of another type as its text. */
static int add_number(Buffer *buffer, sqlite3_stmt *statement, int column) {
    if (sqlite3_column_type(statement, column) != SQLITE_INTEGER)
        return add_text(buffer, statement, column);
    long long value = sqlite3_column_int64(statement, column);
    char digits[24];
    int start = sizeof digits;
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        digits[--start] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0) digits[--start] = '-';
    return buffer_add(buffer, digits + start, sizeof digits - (size_t)start);
}

static void sha256(const unsigned char *data, size_t size, unsigned char *hash) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, size);
    SHA256_Final(hash, &context);
}

static void to_hex(const unsigned char *hash, char *hex) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < HASH_SIZE; i++) {
        hex[2 * i] = digits[hash[i] >> 4];
        hex[2 * i + 1] = digits[hash[i] & 15];
    }
}

/* The entry's bytes after the 0x00 leaf prefix, as canonical.entry_bytes writes them:
   the format line, then unit, seq, time, staff number, channel, event@version,
   subject_type:subject_id, correction, previous hash, each on its own line, then the
   payload. The time is stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' and written
   'YYYY-MM-DDTHH:MM:SS.ffffffZ'. Returns -1 for a NULL where the schema forbids one. */
static int build_entry(Buffer *buffer, sqlite3_stmt *row, const char *unit, size_t unit_size) {
    buffer->size = 0;
    if (buffer_byte(buffer, 0) < 0 || buffer_add(buffer, FORMAT_LINE, sizeof FORMAT_LINE - 1) < 0
        || buffer_add(buffer, unit, unit_size) < 0 || buffer_byte(buffer, '\n') < 0
        || add_number(buffer, row, C_SEQ) < 0 || buffer_byte(buffer, '\n') < 0)
        return -1;
    const unsigned char *at = sqlite3_column_text(row, C_AT);
    int at_size = sqlite3_column_bytes(row, C_AT);
    size_t at_start = buffer->size;
    if (at == NULL || buffer_add(buffer, at, (size_t)at_size) < 0) return -1;
    if (at_size >= 11) buffer->data[at_start + 10] = 'T';
    if (at_size == 19 && buffer_add(buffer, ".000000", 7) < 0) return -1;
    if (buffer_add(buffer, "Z\n", 2) < 0 || add_text(buffer, row, C_STAFF) < 0
        || buffer_byte(buffer, '\n') < 0 || add_text(buffer, row, C_CHANNEL) < 0
        || buffer_byte(buffer, '\n') < 0 || add_text(buffer, row, C_EVENT) < 0
        || buffer_byte(buffer, '@') < 0 || add_number(buffer, row, C_VERSION) < 0
        || buffer_byte(buffer, '\n') < 0 || add_text(buffer, row, C_STYPE) < 0
        || buffer_byte(buffer, ':') < 0 || add_text(buffer, row, C_SID) < 0
        || buffer_byte(buffer, '\n') < 0)
        return -1;
    if (sqlite3_column_type(row, C_CORRECTS) != SQLITE_NULL && add_number(buffer, row, C_CORRECTS) < 0)
        return -1;
    if (buffer_byte(buffer, '\n') < 0 || add_text(buffer, row, C_PREV) < 0
        || buffer_byte(buffer, '\n') < 0 || add_text(buffer, row, C_PAYLOAD) < 0)
        return -1;
    return 0;
}

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
    sqlite3_stmt *bounded;
    sqlite3_stmt *unbounded;
    Buffer entry;
    int busy; /* a page is being read, with the GIL released */
} Scanner;

static void scanner_close(Scanner *self) {
    sqlite3_finalize(self->bounded);
    sqlite3_finalize(self->unbounded);
    sqlite3_close(self->db);
    self->bounded = self->unbounded = NULL;
    self->db = NULL;
}

static void Scanner_dealloc(Scanner *self) {
    scanner_close(self);
    free(self->entry.data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"path", NULL};
    const char *path;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s", keywords, &path)) return -1;
    scanner_close(self);
    /* NOMUTEX: SQLite's per-call locking cost a tenth of the scan; ``busy`` keeps two
       threads from using one scanner at once instead. */
    int status = sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (status == SQLITE_OK) status = sqlite3_busy_timeout(self->db, 20000);
    if (status == SQLITE_OK)
        status = sqlite3_prepare_v2(self->db, BOUNDED_SQL, -1, &self->bounded, NULL);
    if (status == SQLITE_OK)
        status = sqlite3_prepare_v2(self->db, UNBOUNDED_SQL, -1, &self->unbounded, NULL);
    if (status != SQLITE_OK) {
        PyErr_Format(PyExc_OSError, "cannot read the ledger at %s: %s", path,
                     self->db ? sqlite3_errmsg(self->db) : sqlite3_errstr(status));
        scanner_close(self);
        return -1;
    }
    return 0;
}

typedef enum { PAGE_GOOD, PAGE_DOUBTFUL, PAGE_ERROR } PageVerdict;

/* Step through one query's rows; the leaves go into ``leaves``. */
static PageVerdict scan_rows(Scanner *self, sqlite3_stmt *statement, long long after,
                             const char *prev, int prev_size, Buffer *leaves, char *first_prev, char *last_hash,
                             const char *unit, size_t unit_size, int *errcode) {
    long long expected = after + 1;
    /* The hash the next entry must name as its previous one; -1: not known. */
    char link[HEX_SIZE];
    int link_size = prev_size;
    if (prev != NULL) memcpy(link, prev, (size_t)prev_size);
    int status;
    while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
        if (sqlite3_column_type(statement, C_SEQ) != SQLITE_INTEGER
            || sqlite3_column_int64(statement, C_SEQ) != expected)
            return PAGE_DOUBTFUL;
        const unsigned char *stored = sqlite3_column_text(statement, C_HASH);
        const unsigned char *prev_text = sqlite3_column_text(statement, C_PREV);
        if (stored == NULL || sqlite3_column_bytes(statement, C_HASH) != HEX_SIZE
            || prev_text == NULL)
            return PAGE_DOUBTFUL;
        int prev_text_size = sqlite3_column_bytes(statement, C_PREV);
        if (prev_text_size != 0 && prev_text_size != HEX_SIZE) return PAGE_DOUBTFUL;
        if (link_size >= 0
            && (prev_text_size != link_size || memcmp(prev_text, link, (size_t)link_size) != 0))
            return PAGE_DOUBTFUL;
        if (expected == after + 1) {
            /* The first entry's previous hash, for the caller to link spans. */
            memcpy(first_prev, prev_text, (size_t)prev_text_size);
            first_prev[prev_text_size] = 0;
        }
        if (build_entry(&self->entry, statement, unit, unit_size) < 0) return PAGE_DOUBTFUL;
        unsigned char leaf[HASH_SIZE];
        char hex[HEX_SIZE];
        sha256(self->entry.data, self->entry.size, leaf);
        to_hex(leaf, hex);
        if (memcmp(hex, stored, HEX_SIZE) != 0) return PAGE_DOUBTFUL;
        if (buffer_add(leaves, leaf, HASH_SIZE) < 0) {
            *errcode = SQLITE_NOMEM;
            return PAGE_ERROR;
        }
        memcpy(link, stored, HEX_SIZE);
        link_size = HEX_SIZE;
        memcpy(last_hash, stored, HEX_SIZE);
        last_hash[HEX_SIZE] = 0;
        expected++;
    }
    if (status != SQLITE_DONE) {
        *errcode = status;
        return PAGE_ERROR;
    }
    return PAGE_GOOD;
}

static PyObject *Scanner_page(Scanner *self, PyObject *args) {
    long long unit_id, after, until, limit;
    const char *prev = NULL;
    Py_ssize_t prev_size = 0;
    if (!PyArg_ParseTuple(args, "LLLLz#:page", &unit_id, &after, &until, &limit, &prev, &prev_size))
        return NULL;
    if (self->db == NULL) {
        PyErr_SetString(PyExc_ValueError, "the scanner is closed");
        return NULL;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the scanner is reading a page in another thread");
        return NULL;
    }
    if (prev != NULL && prev_size != 0 && prev_size != HEX_SIZE) Py_RETURN_NONE;
    if (until <= 0) until = INT64_MAX;
    char unit[32];
    size_t unit_size = (size_t)snprintf(unit, sizeof unit, "%lld", unit_id);
    char first_prev[HEX_SIZE + 1] = {0}, last_hash[HEX_SIZE + 1] = {0};
    Buffer leaves = {NULL, 0, 0};
    PageVerdict verdict = PAGE_GOOD;
    int errcode = SQLITE_OK;

    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    sqlite3_stmt *queries[2] = {self->bounded, self->unbounded};
    for (int i = 0; i < 2 && leaves.size == 0 && verdict == PAGE_GOOD; i++) {
        sqlite3_stmt *statement = queries[i];
        sqlite3_reset(statement);
        sqlite3_bind_int64(statement, 1, unit_id);
        sqlite3_bind_int64(statement, 2, after);
        sqlite3_bind_int64(statement, 3, after + limit);
        sqlite3_bind_int64(statement, 4, until);
        sqlite3_bind_int64(statement, 5, limit);
        verdict = scan_rows(self, statement, after, prev, prev ? (int)prev_size : -1, &leaves, first_prev, last_hash, unit,
                            unit_size, &errcode);
        sqlite3_reset(statement);
    }
    Py_END_ALLOW_THREADS
    self->busy = 0;

    PyObject *result = NULL;
    if (verdict == PAGE_ERROR) {
        PyErr_Format(PyExc_OSError, "reading the ledger failed: %s", sqlite3_errstr(errcode));
    } else if (verdict == PAGE_DOUBTFUL) {
        result = Py_NewRef(Py_None);
    } else if (leaves.size == 0) {
        result = Py_BuildValue("(y#OO)", "", (Py_ssize_t)0, Py_None, Py_None);
    } else {
        result = Py_BuildValue("(y#ss)", leaves.data, (Py_ssize_t)leaves.size, first_prev,
                               last_hash);
    }
    free(leaves.data);
    return result;
}

static PyObject *Scanner_close(Scanner *self, PyObject *Py_UNUSED(ignored)) {
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the scanner is reading a page in another thread");
        return NULL;
    }
    scanner_close(self);
    Py_RETURN_NONE;
}

static PyMethodDef Scanner_methods[] = {
    {"page", (PyCFunction)Scanner_page, METH_VARARGS,
     "page(unit_id, after, until, limit, prev_hash) -> (leaves, first_prev, last_hash) or None"},
    {"close", (PyCFunction)Scanner_close, METH_NOARGS, "Close the read-only connection."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "servicehall.ledger._fastverify.Scanner",
    .tp_doc = "Pages of one SQLite ledger, read, rebuilt and hashed in C.",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

static PyObject *perfect_root(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    Py_ssize_t count = view.len / HASH_SIZE;
    if (view.len % HASH_SIZE != 0 || count == 0 || (count & (count - 1)) != 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "perfect_root needs 2**k leaf hashes of 32 bytes");
        return NULL;
    }
    unsigned char *level = malloc((size_t)view.len);
    if (level == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    memcpy(level, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    Py_BEGIN_ALLOW_THREADS
    unsigned char node[1 + 2 * HASH_SIZE];
    node[0] = 1;
    /* Each level in place: node i of the next level overwrites leaf i of this one. */
    for (; count > 1; count /= 2) {
        for (Py_ssize_t i = 0; i < count / 2; i++) {
            memcpy(node + 1, level + 2 * i * HASH_SIZE, 2 * HASH_SIZE);
            sha256(node, sizeof node, level + i * HASH_SIZE);
        }
    }
    Py_END_ALLOW_THREADS
    PyObject *root = PyBytes_FromStringAndSize((const char *)level, HASH_SIZE);
    free(level);
    return root;
}

static PyMethodDef module_methods[] = {
    {"perfect_root", perfect_root, METH_O,
     "perfect_root(leaves) -> the RFC 6962 root of 2**k concatenated SHA-256 leaf hashes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT,
    .m_name = "servicehall.ledger._fastverify",
    .m_doc = "The hot loop of ledger verify on SQLite, in C (see verify.py).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__fastverify(void) {
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_definition);
    if (module == NULL) return NULL;
    if (PyModule_AddObjectRef(module, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
