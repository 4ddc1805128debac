"""Every write of the webhooks app (issue 8).

    intake      verify the signature, store the event once, enqueue it on commit
    processing  claim, run the registered handler, mark the outcome (retry, fail, ignore)
    replay      put events back in the queue (admin action, `manage.py replay_webhooks`)
"""

from webhooks.services.intake import webhook_receive
from webhooks.services.processing import ProcessOutcome, webhook_event_process
from webhooks.services.replay import webhook_event_replay, webhook_events_sweep

__all__ = ["ProcessOutcome", "webhook_event_process", "webhook_event_replay", "webhook_events_sweep",
           "webhook_receive"]
