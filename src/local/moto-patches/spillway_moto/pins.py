"""
What the patches were written against, checked before moto serves anything.

The patches reach into moto's internals, so they hold for one moto version only: any other version
stops the start with a message. A version bump is then a review: change MOTO_VERSION, start moto,
and every patch whose moto code changed is named with the function, and the digest its source has
now. Read the new source, adapt the patch, and write the new digest next to it. The digests catch
what the version check alone would not: a patch carried over unread into a bump would otherwise
keep overriding an upstream fix in silence.
"""

import hashlib
import importlib.metadata
import inspect
import sys
from typing import Any

MOTO_VERSION = "5.2.5"

_changed: list[str] = []


def check_version() -> None:
    installed = importlib.metadata.version("moto")
    if installed != MOTO_VERSION:
        sys.exit(
            f"Error: Spillway's moto patches were written for moto {MOTO_VERSION}, and {sys.executable} "
            f"has moto {installed}. Install the pinned version (make deps), or review every patch in "
            f"src/local/moto-patches/spillway_moto/ against moto {installed} and set MOTO_VERSION in pins.py."
        )


def digest(function: Any) -> str:
    """The first 16 hex digits of the SHA-256 of a function's source (a property's getter)."""
    if isinstance(function, property):
        function = function.fget
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def pinned(patch: str, function: Any, written_for: str) -> None:
    """Records `function` as changed if its source is not the one `patch` was written for."""
    found = digest(function)
    if found != written_for:
        target = function.fget if isinstance(function, property) else function
        _changed.append(
            f"Error: patch '{patch}': moto changed {target.__module__}.{target.__qualname__} "
            f"(source digest {found}, written for {written_for})"
        )


def fail_if_changed() -> None:
    if _changed:
        sys.exit(
            "\n".join(_changed)
            + "\nError: moto was not started: review those patches (src/local/moto-patches/spillway_moto/)"
            " against the new source, then update their digests."
        )
