"""Where the current action comes from: a web request, a command or a task."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    channel: str = "web"


NO_REQUEST = RequestContext(channel="system")

request_context: ContextVar[RequestContext] = ContextVar("request_context", default=NO_REQUEST)


def current_request_context() -> RequestContext:
    return request_context.get()
