"""
An ECS answer includes tags when its own request asks for them, whatever other requests ask.

DescribeTasks answers a task's tags only with include=['TAGS'], as on AWS. moto 5.2.5 records
that choice by writing a transformer for the answer's key path ("DescribeTasksResponse.tasks.Task.
tags": keep, or never_return) into RESPONSE_KEY_PATH_TO_TRANSFORMER, a dict of the response class
that every request shares, and reads it when it serialises the answer, after the backend call and
outside the ECS lock (locks.py). So a DescribeTasks with tags that ran beside one without (the drain
workflow polls without) could come back without them, and the other with them: under `make load`
up to 97 tasks came back without the tags Spillway finds its tasks by (spillway:workload,
spillway:batch), when a retried launch looks for what an earlier try started, or when orphans are
adopted. DescribeClusters, DescribeServices and DescribeTaskSets write their include=['TAGS'] to
the same dict, with the same race.

Here each ECS response object (moto builds one per request, and the serialiser reads the dict from
it) writes to its own copy of the dict, made at its first change: the class's dict is never written,
and each answer reads its own request's choice. The alternative, holding the ECS lock over the
whole request including serialisation, would put moto's request parsing and serialiser under the
lock and wrap its dispatcher for every ECS call, to protect one dict that need not be shared.
"""

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.core.serialize import never_return
from moto.ecs.responses import EC2ContainerServiceResponse

from .pins import pinned

PATCH = "an ECS answer includes what its own request asks for"


def _transformers(self: BaseResponse) -> dict[str, Callable[[Any], Any]]:
    """This request's copy of its class's transformers, made at its first change."""
    own = vars(self).get("RESPONSE_KEY_PATH_TO_TRANSFORMER")
    if own is None:
        own = dict(type(self).RESPONSE_KEY_PATH_TO_TRANSFORMER)
        self.RESPONSE_KEY_PATH_TO_TRANSFORMER = own
    return own


def _include_in_response(self: BaseResponse, response_key_path: str) -> None:
    _transformers(self)[response_key_path] = lambda x: x


def _exclude_from_response(self: BaseResponse, response_key_path: str) -> None:
    _transformers(self)[response_key_path] = never_return


def apply() -> None:
    # Replaced, for ECS only (EC2ContainerServiceResponse inherits them).
    pinned(PATCH, BaseResponse._include_in_response, "06fbb65939dbc2c8")
    pinned(PATCH, BaseResponse._exclude_from_response, "6637c83e64228598")
    assert "_include_in_response" not in vars(EC2ContainerServiceResponse), PATCH
    assert "_exclude_from_response" not in vars(EC2ContainerServiceResponse), PATCH
    # Relies on one response object per request, on the serialiser reading the dict from it, and on
    # DescribeTasks making its choice through those two methods on every call.
    pinned(PATCH, BaseResponse.dispatch, "f384bce8f69d7e94")
    pinned(PATCH, ActionResult.execute_result, "6333faa349b58671")
    pinned(PATCH, EC2ContainerServiceResponse.describe_tasks, "527a9d88717cb635")
    EC2ContainerServiceResponse._include_in_response = _include_in_response
    EC2ContainerServiceResponse._exclude_from_response = _exclude_from_response
