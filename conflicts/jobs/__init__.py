"""Background work: submitting a report, running it in a Celery worker, sweeping what a dead worker
left, webhooks.
"""
