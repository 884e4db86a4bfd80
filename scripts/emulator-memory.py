"""
The emulator's memory against Spillway's commit pattern: a table holding a few thousand decisions,
then TransactWriteItems that each write a workload's state and log a decision, as the decide
function commits. Prints moto's resident memory before and after the transactions.

    .venv/bin/python scripts/emulator-memory.py [--transactions 5000] [--items 3000]

It starts moto as the runtime does (src/local/moto-patches/serve.py, with the patches); --server
names another script that starts moto_server, to compare.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = 40
PAD = "x" * 400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=5000)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--server", default=str(ROOT / "src/local/moto-patches/serve.py"))
    args = parser.parse_args()
    port = free_port()
    env = dict(os.environ, MOTO_PORT=str(port), AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    moto = subprocess.Popen(
        [sys.executable, args.server, "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        dynamo = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        for _ in range(300):
            try:
                dynamo.list_tables()
                break
            except Exception:
                time.sleep(0.1)
        dynamo.create_table(
            TableName="state",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )
        for i in range(args.items):
            item = {"pk": {"S": f"WORKLOAD#w{i % WORKLOADS}"}, "sk": {"S": f"DECISION#seed#{i:06d}"}}
            dynamo.put_item(TableName="state", Item={**item, "decision": {"S": PAD}})
        before = rss_mb(moto.pid)
        started = time.monotonic()
        for n in range(args.transactions):
            pk = {"S": f"WORKLOAD#w{n % WORKLOADS}"}
            state = {"pk": pk, "sk": {"S": "STATE"}, "version": {"N": str(n)}, "state": {"S": PAD}}
            decision = {"pk": pk, "sk": {"S": f"DECISION#{n:06d}"}, "decision": {"S": PAD}}
            dynamo.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "state", "Item": state}},
                    {"Put": {"TableName": "state", "Item": decision}},
                ]
            )
        took = time.monotonic() - started
        after = rss_mb(moto.pid)
        print(
            f"{args.items} items, then {args.transactions} TransactWriteItems in {took:.1f} s: "
            f"moto RSS {before:.0f} MB -> {after:.0f} MB (+{after - before:.0f} MB)"
        )
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
