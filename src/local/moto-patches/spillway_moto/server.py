"""
moto's server: the backend for each host remembered, and no line per request.

moto works out which backend serves a request's host again for every request, listing its own
package directory and trying hundreds of URL patterns under one lock; the answer depends on the
host alone, so it is remembered per host. werkzeug logs a line per request, which moto writes and
the runtime would read for nothing: only its warnings and errors are logged.
"""

import logging
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from .pins import pinned

PATCH = "the backend for each host remembered"


def apply() -> None:
    _backend_for_host = DomainDispatcherApplication.get_backend_for_host
    pinned(PATCH, _backend_for_host, "1f41972c1e4e660f")
    backends_by_host: dict[str | None, Any] = {}

    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in backends_by_host:
            backends_by_host[host] = _backend_for_host(self, host)
        return backends_by_host[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
