"""Log filters."""

import logging


class NoTracebackForClientErrors(logging.Filter):
    """A refused request (4xx: permission denied, not found, bad input) is routine: log its line, not a
    traceback. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
