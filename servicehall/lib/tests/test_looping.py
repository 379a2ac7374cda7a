"""The loop of the background commands: a pass, a wait, and a clean stop on SIGTERM."""

import argparse
import os
import signal

import pytest

from servicehall.lib.looping import positive_seconds, run_every


def test_stops_on_sigterm_after_the_pass_that_received_it(db):
    passes = []

    def outer_handler(signum, frame):
        raise AssertionError("the loop's own handler should have received SIGTERM")

    original = signal.signal(signal.SIGTERM, outer_handler)

    def one_pass():
        passes.append(1)
        if len(passes) == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    try:
        run_every(0.01, one_pass)
        assert len(passes) == 2
        # The handler that was there before the loop is back.
        assert signal.getsignal(signal.SIGTERM) is outer_handler
    finally:
        signal.signal(signal.SIGTERM, original)


def test_stops_on_ctrl_c(db):
    def one_pass():
        raise KeyboardInterrupt

    run_every(0.01, one_pass)


@pytest.mark.parametrize("text", ["0", "-1", "inf", "nan", "soon"])
def test_refuses_a_period_that_is_not_positive(text):
    with pytest.raises(argparse.ArgumentTypeError):
        positive_seconds(text)


def test_accepts_fractions():
    assert positive_seconds("0.5") == 0.5
