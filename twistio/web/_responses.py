"""HTTP status codes as names, and ``RESPONSES``: code -> reason phrase (bytes)."""

from __future__ import annotations

from http import HTTPStatus

_phrases: dict[int, bytes] = {s.value: s.phrase.encode("ascii") for s in HTTPStatus}
_phrases.update({
    302: b"Found", 413: b"Request Entity Too Large", 414: b"Request-URI Too Long",
    416: b"Requested Range Not Satisfiable", 418: b"I'm a teapot",
})

# The codes are numbered in runs within each class (1xx informational, 2xx success,
# 3xx redirection, 4xx client error, 5xx server error); each run is given as a range.
CONTINUE, SWITCHING = range(100, 102)
(
    OK,
    CREATED,
    ACCEPTED,
    NON_AUTHORITATIVE_INFORMATION,
    NO_CONTENT,
    RESET_CONTENT,
    PARTIAL_CONTENT,
    MULTI_STATUS,
) = range(200, 208)
MULTIPLE_CHOICE, MOVED_PERMANENTLY, FOUND, SEE_OTHER, NOT_MODIFIED, USE_PROXY = range(300, 306)
TEMPORARY_REDIRECT, PERMANENT_REDIRECT = range(307, 309)
(
    BAD_REQUEST,
    UNAUTHORIZED,
    PAYMENT_REQUIRED,
    FORBIDDEN,
    NOT_FOUND,
    NOT_ALLOWED,
    NOT_ACCEPTABLE,
    PROXY_AUTH_REQUIRED,
    REQUEST_TIMEOUT,
    CONFLICT,
    GONE,
    LENGTH_REQUIRED,
    PRECONDITION_FAILED,
    REQUEST_ENTITY_TOO_LARGE,
    REQUEST_URI_TOO_LONG,
    UNSUPPORTED_MEDIA_TYPE,
    REQUESTED_RANGE_NOT_SATISFIABLE,
    EXPECTATION_FAILED,
    IM_A_TEAPOT,
) = range(400, 419)
REQUEST_HEADER_FIELDS_TOO_LARGE = 431
(
    INTERNAL_SERVER_ERROR,
    NOT_IMPLEMENTED,
    BAD_GATEWAY,
    SERVICE_UNAVAILABLE,
    GATEWAY_TIMEOUT,
    HTTP_VERSION_NOT_SUPPORTED,
) = range(500, 506)
INSUFFICIENT_STORAGE_SPACE, NOT_EXTENDED = 507, 510

RESPONSES: dict[int, bytes] = dict(sorted(_phrases.items()))
