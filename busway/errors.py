"""Domain errors. Each carries the AWS error code and HTTP status a client expects to see.

Only the wire-protocol modules in ``busway.api`` turn these into ``__type`` bodies.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ConcurrentModification",
    "IllegalStatus",
    "InternalError",
    "InvalidEventPatternError",
    "LimitExceeded",
    "ManagedRuleError",
    "PolicyLengthExceeded",
    "ResourceAlreadyExists",
    "ResourceNotFound",
    "ServiceError",
    "ValidationError",
]


class ServiceError(Exception):
    code: ClassVar[str] = "InternalException"
    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ServiceError):
    code = "ValidationException"


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExists(ServiceError):
    code = "ResourceAlreadyExistsException"


class InvalidEventPatternError(ServiceError):
    code = "InvalidEventPatternException"


class LimitExceeded(ServiceError):
    code = "LimitExceededException"


class ManagedRuleError(ServiceError):
    code = "ManagedRuleException"


class ConcurrentModification(ServiceError):
    code = "ConcurrentModificationException"


class PolicyLengthExceeded(ServiceError):
    code = "PolicyLengthExceededException"


class IllegalStatus(ServiceError):
    code = "IllegalStatusException"


class InternalError(ServiceError):
    code = "InternalException"
    status = 500
