"""
moto's Step Functions executor builds what it needs once, not per state or per execution.

- It builds a new boto3 client for every Task state it runs (tens of milliseconds of CPU each,
  four per drain): here one per region, service and credentials serves them all (botocore clients
  are safe to share between threads).
- It parsed the definition again for every execution: the ANTLR parse tree of each definition is
  kept, and each execution still gets its own evaluation components built from it.
- It builds a JSONPath parser for each path it evaluates, every time: a parsed path is only read
  when it is applied, so one per path serves every execution.
"""

import functools
import threading
from typing import Any

import moto.stepfunctions.parser.asl.utils.boto_client as boto_client
import moto.stepfunctions.parser.asl.utils.json_path as json_path

from .pins import pinned

PATCH_CLIENTS = "one boto3 client per region and service"
PATCH_TREES = "one parse tree per definition"
PATCH_PATHS = "one parsed JSONPath per path"


def _share_clients() -> None:
    _boto_client_for = boto_client.boto_client_for
    pinned(PATCH_CLIENTS, _boto_client_for, "1f44dc2ac8aa2179")
    clients: dict[tuple[str, str, str], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, repr(state_credentials))
        with lock:
            if key not in clients:
                clients[key] = _boto_client_for(region, service, state_credentials)
            return clients[key]

    boto_client.boto_client_for = boto_client_for
    # Imported only now: these modules take boto_client_for by name when they load.
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk,
        state_task_service_dynamodb,
    )

    assert state_task_service_aws_sdk.boto_client_for is boto_client_for, PATCH_CLIENTS
    assert state_task_service_dynamodb.boto_client_for is boto_client_for, PATCH_CLIENTS


def _keep_parse_trees() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    _parse = AmazonStateLanguageParser.parse
    pinned(PATCH_TREES, _parse, "a59a7d18760fb22e")
    trees: dict[str, Any] = {}

    def parse(definition: str) -> tuple[Any, Any]:
        tree = trees.get(definition)
        if tree is None:
            _, tree = _parse(definition)  # raises on a syntax error, as before
            trees[definition] = tree
        return Preprocessor().visit(tree), tree

    AmazonStateLanguageParser.parse = staticmethod(parse)


def _keep_parsed_paths() -> None:
    # extract_json is what applies a parsed path; it must not change it.
    pinned(PATCH_PATHS, json_path.extract_json, "932245247973780c")
    json_path.parse = functools.lru_cache(maxsize=1024)(json_path.parse)


def apply() -> None:
    _share_clients()
    _keep_parse_trees()
    _keep_parsed_paths()
