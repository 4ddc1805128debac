"""The Celery app: `celery -A oracle_ledger worker` / `beat`. Tasks carry the request id of the
request that enqueued them, so a task's log lines join its request's."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oracle_ledger.settings")

app = Celery("oracle_ledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@before_task_publish.connect
def _attach_request_id(headers=None, **_):
    from oracle_ledger.api.context import current_request_id

    if headers is not None and current_request_id():
        headers["request_id"] = current_request_id()


_tokens: dict[str, object] = {}


@task_prerun.connect
def _restore_request_id(task_id=None, task=None, **_):
    from oracle_ledger.api.context import new_request_id, request_id_var

    request_id = getattr(task.request, "request_id", None) or new_request_id()
    _tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect
def _clear_request_id(task_id=None, **_):
    from oracle_ledger.api.context import request_id_var

    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
