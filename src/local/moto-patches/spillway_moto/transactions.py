"""
DynamoDB transactions save only what they write.

TransactWriteItems deep-copies each table it touches, once per item of the transaction, before it
starts, to roll back by putting the copy in the table's place: its cost grows with the whole table.
Spillway's state table also holds the decision log, so every commit got slower with every decision
ever logged (two thirds of moto's CPU at 40 workloads); and as moto kept every copy it made (see
tracking.py), memory grew with the square of the decisions.

Here the transaction saves the items it writes (Put, Update, Delete) as they were before it, and
moto's copies are the tables themselves, so its rollback puts each table back in its own place. When
moto rolls back, the saved items are put back, the rest of the table untouched: also what other
threads wrote (none can meanwhile: the DynamoDB lock, locks.py, covers the whole transaction).

Exactly as moto: it rolls back on every error but one, several operations in one entry
(TransactWriteSingleOpException), where what the entries before wrote stays; a table named by its
ARN is not saved, nor rolled back. A table with a stream gets moto's own whole-table copy: a
rollback must also take back its stream records.
"""

import copy
import threading
from typing import Any

from moto.dynamodb.exceptions import TransactWriteSingleOpException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from .pins import pinned

PATCH = "transactions save only what they write"

_saving = threading.local()


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
    if getattr(_saving, "active", False):
        return self
    # What copy.deepcopy does without this method (backups and restores).
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return clone


# (table name, hash key, range key) -> (the table, whether the partition existed, the item or None)
Saved = dict[tuple[str, DynamoType, DynamoType | None], tuple[Table, bool, Any]]


def _key(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return DynamoType(attrs[table.hash_key_attr]), range_key


def _save(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Saved | None:
    saved: Saved = {}
    for entry in transact_items:
        try:
            op_type, op = next(iter(entry.items()))
            # By name only: moto saves no table it is given by ARN.
            table = backend.tables.get(op["TableName"])
            if op_type not in ("Put", "Update", "Delete") or table is None:
                continue
            hash_key, range_key = _key(table, op_type, op)
        except Exception:
            continue  # moto itself reports what is wrong with this entry
        if table.stream_shard is not None:
            return None
        partition = table.items.get(hash_key)
        item = partition if range_key is None else (partition or {}).get(range_key)
        # A Put or a Delete replaces the Item object; an Update changes it in place.
        if op_type == "Update":
            item = copy.deepcopy(item)
        saved.setdefault((table.name, hash_key, range_key), (table, partition is not None, item))
    return saved


def _restore(saved: Saved) -> None:
    for (_, hash_key, range_key), (table, had_partition, item) in saved.items():
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
            continue
        if item is not None:
            table.items[hash_key][range_key] = item
            continue
        partition = table.items.get(hash_key)
        if partition is not None:
            partition.pop(range_key, None)
            if not partition and not had_partition:
                del table.items[hash_key]


def apply() -> None:
    _transact_write_items = DynamoDBBackend.transact_write_items
    pinned(PATCH, _transact_write_items, "81db2cb7d94e39c9")
    # What is saved relies on these replacing the Item rather than changing it.
    pinned(PATCH, Table.put_item, "de23933013ef8426")
    pinned(PATCH, Table.delete_item, "1594f7b07616c8cb")
    assert "__deepcopy__" not in vars(Table), PATCH

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = _save(self, transact_items)
        if saved is None:
            return _transact_write_items(self, transact_items)
        _saving.active = True
        try:
            return _transact_write_items(self, transact_items)
        except TransactWriteSingleOpException:
            raise
        except Exception:
            _restore(saved)
            raise
        finally:
            _saving.active = False

    Table.__deepcopy__ = _table_deepcopy
    DynamoDBBackend.transact_write_items = transact_write_items
