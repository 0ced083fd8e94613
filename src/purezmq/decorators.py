"""Context and socket decorators (pyzmq's ``zmq.decorators``).

Like ``with Context() as ctx:`` / ``with ctx.socket(t) as s:``, in decorator form: the
object is created when the decorated function is called, passed to it, and closed when it
returns or raises::

    from purezmq.decorators import context, socket

    @context()
    @socket(zmq.PUSH)
    def work(ctx, push):
        ...

Argument handling is pyzmq's:

* the object goes to the function as an extra trailing positional argument, or as the
  keyword ``name`` when one is given (``@socket("push", zmq.PUSH)`` or
  ``@socket(zmq.PUSH, name="push")``); passing that keyword yourself is a TypeError;
* every other decorator argument goes to the factory (``Context(...)`` or
  ``ctx.socket(...)``);
* ``@socket`` finds its context at call time: the keyword named by ``context_name``
  (default ``"context"``) if it holds a Context, else the first Context among the
  positional arguments (which is where an outer ``@context()`` puts it), else
  ``Context.instance()``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

__all__ = ("context", "socket")

F = TypeVar("F", bound=Callable[..., Any])


class _Decorator:
    """Builds decorators that open ``self.factory(...)`` around each call."""

    def __init__(self, factory: Optional[Callable[..., Any]] = None) -> None:
        self._target = factory

    def __call__(self, *dec_args: Any, **dec_kwargs: Any) -> Callable[[F], F]:
        kw_name, dec_args, dec_kwargs = self.process_decorator_args(*dec_args, **dec_kwargs)

        def decorator(func: F) -> F:
            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                factory = self.get_target(*args, **kwargs)
                with factory(*dec_args, **dec_kwargs) as obj:
                    if kw_name:
                        if kw_name in kwargs:
                            raise TypeError(
                                f"{func.__name__}() got multiple values for argument '{kw_name}'"
                            )
                        kwargs[kw_name] = obj
                    else:
                        args = (*args, obj)
                    return func(*args, **kwargs)

            return wrapper  # type: ignore[return-value]

        return decorator

    def get_target(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """The factory to call for this invocation (may look at the call's arguments)."""
        assert self._target is not None
        return self._target

    def process_decorator_args(
        self, *args: Any, **kwargs: Any
    ) -> Tuple[Optional[str], Tuple[Any, ...], Dict[str, Any]]:
        """Split off the keyword name (``name=`` or a leading str); the rest is for the
        factory."""
        kw_name = None
        if isinstance(kwargs.get("name"), str):
            kw_name = kwargs.pop("name")
        elif args and isinstance(args[0], str):
            kw_name, args = args[0], args[1:]
        return kw_name, args, kwargs


class _ContextDecorator(_Decorator):
    def __init__(self) -> None:
        from . import Context

        super().__init__(Context)


class _SocketDecorator(_Decorator):
    context_name = "context"

    def process_decorator_args(
        self, *args: Any, **kwargs: Any
    ) -> Tuple[Optional[str], Tuple[Any, ...], Dict[str, Any]]:
        kw_name, args, kwargs = super().process_decorator_args(*args, **kwargs)
        self.context_name = kwargs.pop("context_name", "context")
        return kw_name, args, kwargs

    def get_target(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._get_context(*args, **kwargs).socket  # type: ignore[no-any-return]

    def _get_context(self, *args: Any, **kwargs: Any) -> Any:
        from . import Context

        ctx = kwargs.get(self.context_name)
        if isinstance(ctx, Context):
            return ctx
        for arg in args:
            if isinstance(arg, Context):
                return arg
        return Context.instance()


def context(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Decorator giving the function a fresh Context (terminated when it returns).

    ``name`` (keyword or leading str) passes it as that keyword argument; other arguments
    go to ``Context(...)``.
    """
    return _ContextDecorator()(*args, **kwargs)


def socket(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Decorator giving the function a socket (closed when it returns).

    ``name`` (keyword or leading str) passes it as that keyword argument;
    ``context_name`` names the keyword to take the Context from (default ``"context"``);
    other arguments go to ``ctx.socket(...)`` (socket type, ``socket_class`` ...).
    """
    return _SocketDecorator()(*args, **kwargs)
