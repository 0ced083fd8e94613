"""Shared fixtures: a fresh context per test, torn down without hanging."""

from __future__ import annotations

import pytest

import purezmq as zmq


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    c.destroy(linger=0)
