"""
moto keeps no DynamoDB or SQS object for ever.

moto's BaseModel appends every instance of every model it creates to a list of its class, for the
dashboard (/moto-api/data.json), and never removes one. DynamoDB and SQS create instances per
request, not only per resource: every item written (the one it replaces is kept), every copy a
query, a scan, an update or a transaction makes, every message and each copy a receive returns.
So moto's memory grew with every request it ever served, and with the square of the decision log
while transactions copied whole tables. Their models are not tracked here: the dashboard lists none
of their instances, and nothing else reads those lists (S3's reset does, and S3 is still tracked).
"""

from typing import Any

from moto.core.common_models import BaseModel

from .pins import pinned

PATCH = "no tracking of DynamoDB and SQS objects"

UNTRACKED = ("moto.dynamodb.", "moto.sqs.")


def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
    instance = super(BaseModel, cls).__new__(cls)
    if not cls.__module__.startswith(UNTRACKED):
        cls.instances_tracked.append(instance)
    return instance


def apply() -> None:
    pinned(PATCH, BaseModel.__new__, "08cf0ef20e88029a")
    BaseModel.__new__ = staticmethod(__new__)
