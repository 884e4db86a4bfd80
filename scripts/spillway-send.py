#!/usr/bin/env python3
"""Sends one Icinga 2 or Nagios notification to Spillway, signed with Standard Webhooks.

Icinga and Nagios run any command on a notification but cannot sign a request themselves: this
script (Python 3.8+, standard library only) builds the `spillway.notification/v1` body from
key=value arguments, signs it (HMAC-SHA256 over "id.timestamp.body", `whsec_` secret) and POSTs it.
It retries twice on 5xx, 429 and network errors, then exits non-zero so the monitor logs the
failure. The secret is read from a file or SPILLWAY_SECRET, never from the command line, so it
stays out of process listings. See docs/ingest.md for the notification command definitions.

  spillway-send.py --url https://…/webhooks/icinga --secret-file /etc/spillway/icinga.secret \
      host=web01 service=http state=CRITICAL notificationType=PROBLEM lastStateChange=1772366110 \
      output='HTTP CRITICAL'
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

FIELDS = ("host", "service", "state", "notificationType", "lastStateChange", "output", "workload")


def signing_key(secret: str) -> bytes:
    secret = secret.strip()
    return base64.b64decode(secret[6:] if secret.startswith("whsec_") else secret)


def sign(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def body_from(pairs):
    body = {"schema": "spillway.notification/v1"}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in FIELDS:
            raise SystemExit(f"spillway-send: expected one of {', '.join(FIELDS)} as key=value, got {pair!r}")
        if value == "" or (value.startswith("$") and value.endswith("$")):
            continue  # an empty or unexpanded macro (a host notification has no service)
        body[key] = int(value) if key == "lastStateChange" and value.isdigit() else value
    return json.dumps(body, separators=(",", ":")).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret-file", help="file holding the whsec_ secret (else SPILLWAY_SECRET)")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("fields", nargs="+", help="key=value: " + ", ".join(FIELDS))
    args = parser.parse_args()
    if args.secret_file:
        with open(args.secret_file, encoding="utf-8") as handle:
            secret = handle.read()
    else:
        secret = os.environ.get("SPILLWAY_SECRET", "")
    if not secret.strip():
        raise SystemExit("spillway-send: no secret (use --secret-file or SPILLWAY_SECRET)")
    body = body_from(args.fields)
    message_id = "msg_" + uuid.uuid4().hex
    for attempt in range(3):
        timestamp = str(int(time.time()))  # signed afresh on each attempt: the replay window is 300 s
        request = urllib.request.Request(
            args.url,
            data=body,
            method="POST",
            headers={
                "content-type": "application/json",
                "webhook-id": message_id,
                "webhook-timestamp": timestamp,
                "webhook-signature": sign(secret, message_id, timestamp, body),
                "user-agent": "spillway-send/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=args.timeout) as response:
                print(f"spillway-send: {response.status} {response.read().decode(errors='replace')[:200]}")
                return 0
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:200]
            if error.code < 500 and error.code != 429:
                print(f"spillway-send: {error.code} {detail}", file=sys.stderr)
                return 2
            print(f"spillway-send: attempt {attempt + 1}: {error.code} {detail}", file=sys.stderr)
        except (urllib.error.URLError, OSError) as error:
            print(f"spillway-send: attempt {attempt + 1}: {error}", file=sys.stderr)
        time.sleep(2 * (attempt + 1))
    return 1


if __name__ == "__main__":
    sys.exit(main())
