"""Utilities with pyzmq's module paths (``purezmq.utils.monitor`` ...)."""
