"""
A Query on a table reads its partition only.

Query on a table (not an index) lists and sorts every item of the table, then keeps those of the
partition asked for: its cost grew with the decision log, and it became the top cost once the
decide function read the launch circuit breakers with a Query. Here the query is handed the
partition's items only; it filters and sorts them as before (by range key, then in the order asked).
A query on an index, or without a partition key, runs as written.
"""

import threading
from typing import Any

from moto.dynamodb.models.table import Table

from .pins import pinned

PATCH = "a query reads its partition only"

_query = threading.local()


def apply() -> None:
    _all_items = Table.all_items
    _table_query = Table.query
    pinned(PATCH, _all_items, "c80d2ee3c896acd0")
    pinned(PATCH, _table_query, "002b4d00be6df07c")

    def all_items(self: Table) -> list[Any]:
        hash_key = getattr(_query, "hash_key", None)
        if hash_key is None:
            return _all_items(self)
        # .get: a query must not add an empty partition, as indexing moto's defaultdict would.
        partition = self.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return _table_query(self, hash_key, *args, **kwargs)
        _query.hash_key = hash_key
        try:
            return _table_query(self, hash_key, *args, **kwargs)
        finally:
            _query.hash_key = None

    Table.all_items = all_items
    Table.query = query
