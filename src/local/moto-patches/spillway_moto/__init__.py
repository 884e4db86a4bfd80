"""
Changes to how moto 5.2.5 does its work, applied before moto_server starts (serve.py).

Each keeps what moto answers as it was, except the locks and includes.py, which make moto more like
AWS when requests run at once (atomic conditional writes, no lost messages, an ECS task's tags in
the answers that ask for them only). Without the others moto slows down with the data it holds, and
`make load` measured moto rather than Spillway (found with py-spy on the moto process); and its
memory grew with every request it served. Each patch is explained in its module:

- transactions.py: DynamoDB transactions save only what they write, not a copy of each table.
- queries.py: a Query on a table reads its partition only, not the whole table.
- tracking.py: moto keeps no DynamoDB or SQS object for ever.
- queues.py: SQS counts its messages once per call, not once per message.
- stepfunctions.py: the Step Functions executor builds clients, parse trees and JSONPaths once.
- server.py: the backend for each host remembered; no log line per request.
- includes.py: an ECS answer includes tags when its own request asks for them, not when the
  request another thread is serving does.
- locks.py: one lock per service for DynamoDB, ECS and SQS (applied last: it also covers what the
  patches above put in moto's methods).

They reach into moto's internals, so they are tied to the pinned version, and to the source of
every moto function they replace or rely on (pins.py): moto does not start when either differs,
with a message naming each patch to review. test/integration/emulator-patches-*.test.ts check the
behaviour each patch must keep, and emulator-races.py beside them the locks and includes.py.
"""

from . import includes, locks, pins, queries, queues, server, stepfunctions, tracking, transactions


def apply() -> None:
    pins.check_version()
    for patch in (stepfunctions, tracking, transactions, queries, queues, server, includes, locks):
        patch.apply()
    pins.fail_if_changed()
