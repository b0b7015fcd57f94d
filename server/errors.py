"""Errors a service raises; pages and the API turn them into messages and statuses."""

from server.i18n import _


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """Bad input: every problem keyed by the form field it belongs to."""

    status = 422
    code = "invalid_input"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(_("We could not find that.") if message is None else message)


class Throttled(ServiceError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
