"""moto_server, started after Spillway's patches (spillway_moto/); takes moto_server's arguments."""

import sys

# The patches are read from the source tree: no __pycache__ next to them.
sys.dont_write_bytecode = True

import spillway_moto  # noqa: E402

spillway_moto.apply()

from moto.server import main  # noqa: E402

sys.exit(main())
