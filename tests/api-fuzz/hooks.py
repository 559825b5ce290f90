"""Schemathesis hooks for Ajar (loaded through SCHEMATHESIS_HOOKS).

AJAR_FUZZ_TARGET_IDS: real ids substituted into generated id fields, so that requests reach
real objects (for workspace B's run these are workspace A's ids: every request is then a
cross-workspace attempt). AJAR_FUZZ_FOREIGN_IDS: ids that must never appear in a successful
response to this principal (check `no_cross_workspace_success`).
"""

import json
import os
import re
import zlib

import schemathesis

TARGET = json.loads(os.environ.get("AJAR_FUZZ_TARGET_IDS", "[]"))
FOREIGN = json.loads(os.environ.get("AJAR_FUZZ_FOREIGN_IDS", "[]"))


UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _pick(name, value):
    """Deterministically (per generated value) swap a well-formed generated id for a real one,
    about two times in three. Malformed ones (negative tests) are left as they are."""
    if not TARGET or not isinstance(value, str) or not UUID.match(value):
        return value
    h = zlib.crc32((name + repr(value)).encode())
    if h % 3 == 0:
        return value
    return TARGET[h % len(TARGET)]


def _swap(container):
    if not isinstance(container, dict):
        return container
    for k, v in list(container.items()):
        if k.endswith("_id") and isinstance(v, str):
            container[k] = _pick(k, v)
        elif k.endswith("_ids") and isinstance(v, list):
            container[k] = [_pick(k + str(i), x) for i, x in enumerate(v)]
    return container


@schemathesis.hook
def map_body(ctx, body):
    return _swap(body)


@schemathesis.hook
def map_query(ctx, query):
    return _swap(query)


@schemathesis.check
def no_cross_workspace_success(ctx, response, case):
    """A successful answer never carries an id of another workspace."""
    if not FOREIGN or not (200 <= response.status_code < 300):
        return None
    text = response.content.decode("utf-8", "replace")
    leaked = [i for i in FOREIGN if i in text]
    if leaked:
        raise AssertionError(
            f"{response.status_code} answer carries {len(leaked)} id(s) of another workspace, e.g. {leaked[0]}"
        )
    return None
