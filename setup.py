"""The project's metadata is in pyproject.toml; this adds the one C extension.

``servicehall.ledger._fastverify`` is the hot loop of ``ledger verify`` on SQLite (see
``servicehall/ledger/verify.py``). It needs a C compiler and the headers of Python,
SQLite and OpenSSL (Debian: gcc, python3-dev, libsqlite3-dev, libssl-dev; ``make
install`` installs them where it may). It is optional: where it cannot be built,
``ledger verify`` gives the same verdicts through its Python path, only slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "servicehall.ledger._fastverify",
            ["servicehall/ledger/_fastverify.c"],
            libraries=["sqlite3", "crypto"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
