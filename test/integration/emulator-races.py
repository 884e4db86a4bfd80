"""
Races between moto's request threads, played in one process against its backends (and its ECS app,
for what an answer includes), with the patches (src/local/moto-patches/spillway_moto/) applied as
moto_server gets them; run by emulator-patches-guards.test.ts. Over HTTP a race needs luck: here the
interpreter switches threads every microsecond, so a call that is not atomic is interrupted halfway
many times, and so is a request between choosing what its answer includes and serialising it.
Prints, per race, what went wrong (an empty list when nothing did), as JSON. With --unpatched, it
plays them on moto as released.
"""

import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src/local/moto-patches"))

if "--unpatched" not in sys.argv:
    import spillway_moto

    spillway_moto.apply()

from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.ecs.models import ecs_backends  # noqa: E402
from moto.moto_server.werkzeug_app import create_backend_app  # noqa: E402
from moto.sqs.models import sqs_backends  # noqa: E402

ACCOUNT, REGION = "123456789012", "us-east-1"
sys.setswitchinterval(1e-6)


def together(*work: Callable[[], None]) -> list[str]:
    """Runs each in its own thread; what any raised, by name."""
    errors: list[str] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def dynamodb() -> Any:
    backend = dynamodb_backends[ACCOUNT][REGION]
    backend.create_table(
        "t",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        throughput=None,
        billing_mode="PAY_PER_REQUEST",
        global_indexes=None,
        indexes=None,
        streams=None,
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=None,
        warm_throughput=None,
    )
    return backend


def item(pk: str, sk: str, v: str = "v") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "v": {"S": v}}


def misses_while_iterating(backend: Any) -> list[str]:
    def misses(prefix: str) -> None:
        for i in range(5000):
            backend.get_item("t", {"pk": {"S": f"{prefix}-{i}"}, "sk": {"S": "s"}})

    def describes() -> None:
        for _ in range(300):
            backend.describe_table("t")

    def scans() -> None:
        for _ in range(100):
            backend.scan("t", {}, None, None, None, {}, {}, None, False, None, segments=(None, None))

    # First enough partitions that each walk over them takes long enough to be interrupted.
    misses("before")
    return together(lambda: misses("during"), describes, scans)


def conditional_puts(backend: Any) -> list[str]:
    wins: dict[str, list[int]] = {}

    def writer(n: int) -> Callable[[], None]:
        def write() -> None:
            for k in range(300):
                try:
                    backend.put_item(
                        "t", item("race", f"k{k}", str(n)), condition_expression="attribute_not_exists(pk)"
                    )
                    wins.setdefault(f"k{k}", []).append(n)
                except ConditionalCheckFailed:
                    pass

        return write

    errors = together(*(writer(n) for n in range(4)))
    return errors + [f"{key}: {len(won)} writers won" for key, won in wins.items() if len(won) != 1]


def rollbacks_beside_writes(backend: Any) -> list[str]:
    backend.put_item("t", item("tx", "a", "before"))
    cancelled = [
        {"Put": {"TableName": "t", "Item": item("tx", "a", "after")}},
        {"Put": {"TableName": "t", "Item": item("tx", "new", "after")}},
        {
            "ConditionCheck": {
                "TableName": "t",
                "Key": item("tx", "gone"),
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ]

    def transactions() -> None:
        for _ in range(300):
            try:
                backend.transact_write_items(cancelled)
            except TransactionCanceledException:
                pass

    def writes() -> None:
        for i in range(1000):
            backend.put_item("t", item("tx", f"other-{i}"))

    errors = together(transactions, writes)
    table = backend.get_table("t")
    lost = [
        i
        for i in range(1000)
        if table.get_item(*backend.get_keys_value(table, item("tx", f"other-{i}"))) is None
    ]
    a = table.get_item(*backend.get_keys_value(table, item("tx", "a")))
    new = table.get_item(*backend.get_keys_value(table, item("tx", "new")))
    return (
        errors
        + ([f"{len(lost)} writes of other threads undone"] if lost else [])
        + ([] if a.attrs["v"].value == "before" else ["a cancelled write stayed"])
        + ([] if new is None else ["a cancelled new item stayed"])
    )


def sends_beside_deletes() -> list[str]:
    backend = sqs_backends[ACCOUNT][REGION]
    backend.create_queue("q")
    received = []
    for i in range(300):
        backend.send_message("q", f"old-{i}")
    while len(received) < 300:
        received += backend.receive_message("q", 10, 0, 300)

    def deletes() -> None:
        for message in received:
            backend.delete_message("q", message.receipt_handle)

    def sends() -> None:
        for i in range(1000):
            backend.send_message("q", f"new-{i}")

    errors = together(deletes, sends)
    queue = backend.get_queue("q")
    left = sorted(m.body for m in queue._messages)
    expected = sorted(f"new-{i}" for i in range(1000))
    return errors + ([] if left == expected else [f"{len(left)} messages left of {len(expected)} sent"])


def tasks_run_while_described() -> list[str]:
    backend = ecs_backends[ACCOUNT][REGION]
    backend.create_cluster("c")
    backend.register_task_definition("f", [{"name": "app", "image": "nginx", "memory": 512}])
    arns: list[str] = []

    def runs() -> None:
        for _ in range(300):
            arns.extend(t.task_arn for t in backend.run_task("c", "f", 1, None, "", None, "FARGATE"))

    def describes() -> None:
        for _ in range(300):
            if arns:
                backend.describe_tasks("c", arns[:1])
            backend.list_tasks("c")

    return together(runs, describes)


def tags_described_beside_no_tags() -> list[str]:
    """
    Through moto's ECS app, as moto_server serves it (the default account and region): the
    include=['TAGS'] a request sets is read when its answer is serialised, after the backend call.
    """
    backend = ecs_backends[ACCOUNT][REGION]
    backend.create_cluster("tagged")
    backend.register_task_definition("tagged", [{"name": "app", "image": "nginx", "memory": 512}])
    tags = [{"key": "spillway:workload", "value": "w"}, {"key": "spillway:batch", "value": "b"}]
    arns = [t.task_arn for t in backend.run_task("tagged", "tagged", 3, None, "", tags, "FARGATE")]
    app = create_backend_app("ecs")
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.DescribeTasks",
    }
    wrong: list[str] = []

    def describes(with_tags: bool) -> Callable[[], None]:
        body = json.dumps(
            {"cluster": "tagged", "tasks": arns, **({"include": ["TAGS"]} if with_tags else {})}
        )

        def describe() -> None:
            client = app.test_client()
            for _ in range(150):
                answer = client.post("/", data=body, headers=headers)
                if answer.status_code != 200:
                    wrong.append(f"{answer.status_code}: {answer.get_data(as_text=True)}")
                    continue
                tasks = json.loads(answer.get_data())["tasks"]
                if len(tasks) != len(arns):
                    wrong.append(f"an answer of {len(tasks)} tasks, not {len(arns)}")
                for task in tasks:
                    if task.get("tags") != (tags if with_tags else None):
                        asked = "with" if with_tags else "without"
                        wrong.append(f"asked {asked} tags, got {task.get('tags')}")

        return describe

    errors = together(*(describes(n % 2 == 0) for n in range(4)))
    answers = {problem: wrong.count(problem) for problem in wrong}
    return errors + [f"{count} tasks {problem}" for problem, count in answers.items()]


ddb = dynamodb()
print(
    json.dumps(
        {
            "get_item misses while scans and describes iterate": misses_while_iterating(ddb),
            "concurrent conditional puts": conditional_puts(ddb),
            "cancelled transactions beside other writes": rollbacks_beside_writes(ddb),
            "SQS sends beside deletes": sends_beside_deletes(),
            "ECS RunTask while DescribeTasks and ListTasks": tasks_run_while_described(),
            "ECS DescribeTasks with tags beside DescribeTasks without": tags_described_beside_no_tags(),
        }
    )
)
