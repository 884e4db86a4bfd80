"""
One lock per service for DynamoDB, ECS and SQS, so that their calls are atomic, as on AWS.

moto serves each request on its own thread and takes no lock. Without one, a conditional put can
pass its check while another thread writes the item; a DescribeTasks walking the task list while a
RunTask adds to it fails with a 500, which moto's Step Functions executor turns into an uncatchable
States.Runtime error (a drain then ends without recording its outcome); a DeleteMessage that
rebuilds the queue's list while a SendMessage appends to it loses the new message. On AWS none of
this happens. moto runs one Python thread at a time anyway, so a lock per service costs no
throughput. The lock is reentrant: moto's calls call each other (a transaction calls get_item,
put_item and the others).

A method is locked when it changes something another call reads, or reads (iterates) something
another call changes; this is every such method of the calls the runtime, its tests and the drain
workflow make (audited against moto 5.2.5), plus the few neighbours that change the same things.
Not obvious from the names:

- DynamoDB get_item writes: on a table with a range key, a miss indexes moto's defaultdict of
  partitions and adds an empty partition, which breaks any thread iterating the partitions then
  (a scan, DescribeTable's item count, a query) with "dictionary changed size during iteration".
  BatchGetItem and PutItem's ReturnValues go through get_item. describe_table and list_tables
  iterate the items and the tables.
- ECS describe_tasks writes: it advances each task's lifecycle. describe_task_definition and
  list_task_definitions iterate the revisions that register_task_definition adds;
  list_tags_for_resource and tag_resource walk every task.
- SQS: every call that changes a queue's message list (send, receive, which also moves messages to
  the dead-letter queue, delete, visibility, purge) and get_queue_attributes, whose counts walk it.
  A long poll must not hold the lock while it waits, or no message could be sent meanwhile: a
  receive takes it for each look at the queue, and waits between looks without it, as moto waits.
"""

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.core.utils import unix_time
from moto.dynamodb.models import DynamoDBBackend
from moto.ecs.models import EC2ContainerServiceBackend
from moto.sqs.models import Message, SQSBackend

from .pins import pinned

PATCH = "a lock per service"

DYNAMODB = (
    "create_table",
    "delete_table",
    "describe_table",
    "list_tables",
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "query",
    "scan",
)
ECS = (
    "create_cluster",
    "put_cluster_capacity_providers",
    "list_clusters",
    "describe_clusters",
    "delete_cluster",
    "register_task_definition",
    "describe_task_definition",
    "list_task_definitions",
    "deregister_task_definition",
    "run_task",
    "start_task",
    "describe_tasks",
    "list_tasks",
    "stop_task",
    "tag_resource",
    "untag_resource",
    "list_tags_for_resource",
)
SQS = (
    "create_queue",
    "delete_queue",
    "list_queues",
    "get_queue_attributes",
    "set_queue_attributes",
    "send_message",
    "send_message_batch",
    "delete_message",
    "delete_message_batch",
    "change_message_visibility",
    "change_message_visibility_batch",
    "purge_queue",
)


def _serialise(cls: type, names: tuple[str, ...], lock: threading.RLock) -> None:
    for name in names:
        method = getattr(cls, name)

        @functools.wraps(method)
        def locked(self: Any, *args: Any, _method: Callable[..., Any] = method, **kwargs: Any) -> Any:
            with lock:
                return _method(self, *args, **kwargs)

        setattr(cls, name, locked)


def _receive_in_looks(lock: threading.RLock) -> None:
    _receive_message = SQSBackend.receive_message
    # Relies on a receive with no wait time looking at the queue once.
    pinned(PATCH, _receive_message, "065f3e5e7d214408")

    def receive_message(
        self: SQSBackend,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Message]:
        polling_end = unix_time() + wait_seconds_timeout
        while True:
            with lock:
                result = _receive_message(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                )
            if result or not wait_seconds_timeout or unix_time() > polling_end:
                return result
            self.get_queue(queue_name).wait_for_messages(1)

    SQSBackend.receive_message = receive_message


def apply() -> None:
    _serialise(DynamoDBBackend, DYNAMODB, threading.RLock())
    _serialise(EC2ContainerServiceBackend, ECS, threading.RLock())
    sqs = threading.RLock()
    _serialise(SQSBackend, SQS, sqs)
    _receive_in_looks(sqs)
