"""The error tree: every failure a client can meet, with its HTTP status and code.

TarjomanError                500 internal_error (a bug of ours)
├── ModelFailed              500 internal_error      (a batch failed in the model)
├── ClientGone               499 client_closed_request (nobody is left to read it)
├── ClientError              400 bad_request
│   ├── MalformedJSON        400 malformed_json
│   ├── Unauthorized         401 unauthorized
│   ├── Forbidden            403 forbidden
│   ├── NotFound             404 not_found
│   ├── MethodNotAllowed     405 method_not_allowed
│   ├── RequestTimeout       408 request_timeout     (the body stalled)
│   ├── PayloadTooLarge      413 payload_too_large
│   ├── UnsupportedMediaType 415 unsupported_media_type
│   ├── InvalidRequest       422 invalid_request
│   │   └── AmbiguousLanguage 422 ambiguous_language
│   └── RateLimited          429 rate_limited        (Retry-After)
├── Unavailable              503 unavailable         (Retry-After)
│   ├── Overloaded           503 overloaded
│   └── ModelNotReady        503 model_not_ready
└── DeadlineExceeded         504 deadline_exceeded
"""

from __future__ import annotations

from typing import Any, ClassVar


class TarjomanError(Exception):
    """Base of every error the service raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(
        self, message: str, *, details: Any = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        """The JSON body for this error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class ClientError(TarjomanError):
    """Something the client sent is wrong; retrying the same request will not help."""

    status = 400
    code = "bad_request"


class MalformedJSON(ClientError):
    """The body is not valid JSON."""

    code = "malformed_json"


class Unauthorized(ClientError):
    """No API key was sent where one is required."""

    status = 401
    code = "unauthorized"


class Forbidden(ClientError):
    """The API key sent is not valid."""

    status = 403
    code = "forbidden"


class NotFound(ClientError):
    """No such route or resource."""

    status = 404
    code = "not_found"


class MethodNotAllowed(ClientError):
    """The route exists but not for this method."""

    status = 405
    code = "method_not_allowed"


class RequestTimeout(ClientError):
    """The request body stopped arriving before it was complete."""

    status = 408
    code = "request_timeout"


class PayloadTooLarge(ClientError):
    """The body, a text or the work a request asks for is over a configured limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ClientError):
    """The body is not in a content type the route accepts."""

    status = 415
    code = "unsupported_media_type"


class InvalidRequest(ClientError):
    """Valid JSON that does not describe a valid request."""

    status = 422
    code = "invalid_request"


class AmbiguousLanguage(InvalidRequest):
    """The source language cannot be told with confidence; the client must name it."""

    code = "ambiguous_language"


class RateLimited(ClientError):
    """Too many requests or characters for this key or client."""

    status = 429
    code = "rate_limited"


class Unavailable(TarjomanError):
    """The service cannot take the request now; retrying later may work."""

    status = 503
    code = "unavailable"


class Overloaded(Unavailable):
    """The queue is full."""

    code = "overloaded"


class ModelNotReady(Unavailable):
    """The model a task needs is missing or still loading."""

    code = "model_not_ready"


class DeadlineExceeded(TarjomanError):
    """The request did not finish within its deadline."""

    status = 504
    code = "deadline_exceeded"


class ModelFailed(TarjomanError):
    """The model raised on a batch or broke its contract; every segment of the batch fails."""


class ClientGone(TarjomanError):
    """The client closed the connection before its answer was ready; nobody reads this."""

    status = 499
    code = "client_closed_request"
