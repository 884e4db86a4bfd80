"""
SQS counts its messages once per call, not once per message.

SendMessage and ReceiveMessage compute every queue attribute for each message they take or return
(for one flag, and for the retention period), and three attributes count the queue's messages,
reading the clock through datetime arithmetic once per message: with a few thousand signals queued,
each message cost milliseconds. Here the retention period is read directly, and each count reads the
clock once and makes the comparisons moto makes per message (Message.visible is
"now > visible_at", Message.delayed is "now < delayed_until"). DeleteMessage walked the queue
twice, building a list of receipt handles per message: now once, without.
"""

from moto.core.utils import unix_time, unix_time_millis
from moto.sqs.exceptions import ReceiptHandleIsInvalid
from moto.sqs.models import Message, Queue, SQSBackend

from .pins import pinned

PATCH = "SQS counts once per call"


def is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time()


def _ready(self: Queue) -> list[Message]:
    now = unix_time_millis()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _not_visible(self: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in self._messages if not now > m.visible_at)


def _delayed(self: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in self._messages if now < m.delayed_until)


def delete_message(self: Queue, receipt_handle: str) -> None:
    if receipt_handle in self.deleted_messages:
        return  # deleted already: moto answers as for the first time
    kept = []
    found = False
    for m in self._messages:
        if m.receipt_handle == receipt_handle or receipt_handle in m._old_receipt_handles:
            found = True
            self.pending_messages.discard(m)
            self.deleted_messages.update(m.all_receipt_handles)
        else:
            kept.append(m)
    if not found:
        raise ReceiptHandleIsInvalid()
    self._messages = kept


def apply() -> None:
    pinned(PATCH, SQSBackend.is_message_valid_based_on_retention_period, "cca23b94a5f3af9d")
    pinned(PATCH, Message.visible, "5129b573308de62a")
    pinned(PATCH, Message.delayed, "e2fd48abf582683a")
    pinned(PATCH, Queue.messages, "03a531dbcbcf9aee")
    pinned(PATCH, Queue.approximate_number_of_messages, "d357a9506a56d2f8")
    pinned(PATCH, Queue.approximate_number_of_messages_not_visible, "5dbecc4dda174358")
    pinned(PATCH, Queue.approximate_number_of_messages_delayed, "c3c1dadb0c42ed5f")
    pinned(PATCH, Queue.delete_message, "fa6fd5b9bd2cafb4")
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    Queue.delete_message = delete_message
    Queue.messages = property(_ready)
    Queue.approximate_number_of_messages = property(lambda self: len(_ready(self)))
    Queue.approximate_number_of_messages_not_visible = property(_not_visible)
    Queue.approximate_number_of_messages_delayed = property(_delayed)
