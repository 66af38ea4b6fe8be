"""Handlers for the worker-pool tests: run in real worker processes, as users' code would."""

import json
import os
import sys
import time


def greet(event, context):
    print(f"hello {event['detail']['name']}")
    print("to stderr", file=sys.stderr)
    return {"ignored": True}


def show_context(event, context):
    print(
        json.dumps(
            {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
                "env": os.environ.get("GREETING"),
                "region": os.environ.get("AWS_REGION"),
            }
        )
    )


def fail(event, context):
    raise ValueError("no such order")


def sleep(event, context):
    time.sleep(float(event["seconds"]))
    print("woke up")


def crash(event, context):
    print("about to crash", flush=True)
    os._exit(7)


def pid(event, context):
    time.sleep(0.2)
    print(f"pid {os.getpid()}")


def print_id(event, context):
    print(event["id"])
