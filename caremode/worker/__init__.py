"""The background worker, composed at the top: `run_worker` sends due messages and runs the
periodic checks of the apps below it, listed in `schedule.py`. No lower app needs a registry to
be called back."""
