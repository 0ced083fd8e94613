"""Logging over ZeroMQ (pyzmq's ``zmq.log``).

:mod:`purezmq.log.handlers` has :class:`~purezmq.log.handlers.PUBHandler`, a
:class:`logging.Handler` that publishes records on a PUB socket with the topic
``<root_topic>.<LEVEL>[.<subtopic>]``, and :class:`~purezmq.log.handlers.TopicLogger`.
``python -m purezmq.log tcp://host:port`` watches such a publisher and prints the records.
"""
