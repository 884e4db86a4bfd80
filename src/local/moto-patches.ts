/**
 * Changes to how moto 5.2.5 does its work, applied by the Python that starts the server, each
 * keeping what moto answers as it was (one makes it more like AWS: atomic conditional writes).
 * Without them moto slows down with the data it holds, and `make load` measured moto rather than
 * Spillway (found with py-spy on the moto process). They reach into moto's internals, so they are
 * tied to the pinned version: if one no longer applies, moto fails to start with a traceback.
 *
 * - TransactWriteItems deep-copies every table the transaction touches, before it starts, to
 *   roll back from: its cost grows with the whole table. Spillway's state table also holds the
 *   decision log, so every commit got slower with every decision ever logged (two thirds of moto's
 *   CPU at 40 workloads). The patch hands moto a copy that shares the items the transaction does
 *   not write and deep-copies those it does.
 * - Query on a table (not an index) lists and sorts every item of the table, then keeps those
 *   of the partition asked for: its cost too grew with the decision log, and it became the top
 *   cost once the decide function reads the launch circuit breakers with a Query. The patch hands
 *   the query the partition's items only; it filters and sorts them as before.
 * - moto serves each request on its own thread and takes no lock: a conditional put can pass its
 *   check while another thread writes the item; a transaction that rolls back puts back its whole
 *   copy of the table, undoing what other threads wrote meanwhile (under load, state commits of
 *   other workloads vanished); and a DescribeTasks walking the task list while a RunTask adds to
 *   it fails with a 500, which moto's Step Functions executor turns into an uncatchable
 *   States.Runtime error (a drain then ends without recording its outcome). On AWS none of this
 *   happens. The patch makes DynamoDB's writes, queries and scans, and ECS's cluster and task
 *   calls, each hold a lock per service: moto runs one Python thread at a time anyway, so this
 *   costs no throughput.
 * - SendMessage and ReceiveMessage compute every queue attribute for each message they take or
 *   return (for one flag, and for the retention period), and three attributes count the queue's
 *   messages, reading the clock through datetime arithmetic once per message: with a few thousand
 *   signals queued, each message cost milliseconds. The patch reads the retention period directly,
 *   and counts with one clock reading per count, the same comparisons moto makes per message.
 *   DeleteMessage walked the queue twice, building a list per message: now once, without.
 *
 * It also keeps one boto3 client per region and service for the Step Functions executor (moto
 * builds a new one for every Task state it runs, tens of milliseconds of CPU each, four per drain)
 * and one compiled JSONPath per path (it builds a parser for each path it evaluates, every time),
 * keeps the ANTLR parse tree of each state machine definition (it parsed the definition again for
 * every execution; each execution still gets its own evaluation components built from the tree),
 * remembers which backend serves which host (moto works it out again for every request,
 * listing its own package directory and trying hundreds of URL patterns under one lock), and
 * quiets werkzeug's line per request (errors are still logged), which moto writes and
 * the runtime would read for nothing.
 */
export const MOTO_PATCHES = `
import copy, functools, logging, sys, threading
from collections import defaultdict
import moto.stepfunctions.parser.asl.utils.boto_client as _boto_client
import moto.stepfunctions.parser.asl.utils.json_path as _json_path
from moto.core.utils import unix_time, unix_time_millis
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.ecs.models import EC2ContainerServiceBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.exceptions import ReceiptHandleIsInvalid
from moto.sqs.models import Queue, SQSBackend

_boto_client_for = _boto_client.boto_client_for
_clients = {}
_clients_lock = threading.Lock()

# botocore clients are safe to share between threads.
def boto_client_for(region, service, state_credentials=None):
    key = (region, service, repr(state_credentials))
    with _clients_lock:
        if key not in _clients:
            _clients[key] = _boto_client_for(region, service, state_credentials)
        return _clients[key]

_boto_client.boto_client_for = boto_client_for

# Imported only now: the executor's modules take boto_client_for by name when they load.
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk,
    state_task_service_dynamodb,
)
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

assert state_task_service_aws_sdk.boto_client_for is boto_client_for
assert state_task_service_dynamodb.boto_client_for is boto_client_for

_transaction = threading.local()

def _table_deepcopy(self, memo):
    written = getattr(_transaction, "written", None)
    if written is None:
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone
    clone = copy.copy(self)
    items = defaultdict(dict)
    for hash_key, value in self.items.items():
        items[hash_key] = dict(value) if isinstance(value, dict) else value
    for hash_key, range_key in written.get(self.name, ()):
        if range_key is not None:
            if range_key in items.get(hash_key, {}):
                items[hash_key][range_key] = copy.deepcopy(items[hash_key][range_key])
        elif hash_key in items:
            items[hash_key] = copy.deepcopy(items[hash_key])
    clone.items = items
    return clone

Table.__deepcopy__ = _table_deepcopy
_transact_write_items = DynamoDBBackend.transact_write_items

def transact_write_items(self, transact_items):
    written = {}
    for entry in transact_items:
        try:
            op_type, op = next(iter(entry.items()))
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            written.setdefault(table.name, []).append(self.get_keys_value(table, key))
        except Exception:
            continue  # moto itself reports what is wrong with this entry
    _transaction.written = written
    try:
        return _transact_write_items(self, transact_items)
    finally:
        _transaction.written = None

def _serialise(cls, names):
    lock = threading.RLock()
    for name in names:
        method = getattr(cls, name)
        def locked(self, *args, _method=method, **kwargs):
            with lock:
                return _method(self, *args, **kwargs)
        setattr(cls, name, locked)

DynamoDBBackend.transact_write_items = transact_write_items
_serialise(DynamoDBBackend, ["transact_write_items", "put_item", "update_item", "delete_item", "query", "scan"])
_serialise(
    EC2ContainerServiceBackend,
    ["create_cluster", "put_cluster_capacity_providers", "list_clusters", "describe_clusters", "delete_cluster",
     "register_task_definition", "run_task", "start_task", "describe_tasks", "list_tasks", "stop_task", "tag_resource"],
)

_query = threading.local()
_all_items = Table.all_items

def all_items(self):
    hash_key = getattr(_query, "hash_key", None)
    if hash_key is None:
        return _all_items(self)
    partition = self.items.get(hash_key)
    if partition is None:
        return []
    return list(partition.values()) if self.range_key_attr else [partition]

_table_query = Table.query

def table_query(self, hash_key, *args, **kwargs):
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    if index_name or hash_key is None:
        return _table_query(self, hash_key, *args, **kwargs)
    _query.hash_key = hash_key
    try:
        return _table_query(self, hash_key, *args, **kwargs)
    finally:
        _query.hash_key = None

Table.all_items = all_items
Table.query = table_query

def is_message_valid_based_on_retention_period(self, queue_name, message):
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time()

SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period

# moto's Message.visible is "now > visible_at" and Message.delayed is "now < delayed_until".
def _ready(self):
    now = unix_time_millis()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

def _not_visible(self):
    now = unix_time_millis()
    return sum(1 for m in self._messages if not now > m.visible_at)

def _delayed(self):
    now = unix_time_millis()
    return sum(1 for m in self._messages if now < m.delayed_until)

def delete_message(self, receipt_handle):
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

Queue.delete_message = delete_message
Queue.messages = property(_ready)
Queue.approximate_number_of_messages = property(lambda self: len(_ready(self)))
Queue.approximate_number_of_messages_not_visible = property(_not_visible)
Queue.approximate_number_of_messages_delayed = property(_delayed)

_backend_for_host = DomainDispatcherApplication.get_backend_for_host
_backends_by_host = {}

def get_backend_for_host(self, host):
    if host not in _backends_by_host:
        _backends_by_host[host] = _backend_for_host(self, host)
    return _backends_by_host[host]

DomainDispatcherApplication.get_backend_for_host = get_backend_for_host


_parse_definition = AmazonStateLanguageParser.parse
_parse_trees = {}

def parse_definition(definition):
    tree = _parse_trees.get(definition)
    if tree is None:
        _, tree = _parse_definition(definition)  # raises on a syntax error, as before
        _parse_trees[definition] = tree
    return Preprocessor().visit(tree), tree

AmazonStateLanguageParser.parse = staticmethod(parse_definition)

# A parsed JSONPath is only read when it is applied, so one per path serves every execution.
_json_path.parse = functools.lru_cache(maxsize=1024)(_json_path.parse)

logging.getLogger("werkzeug").setLevel(logging.WARNING)

from moto.server import main
sys.exit(main())
`;
