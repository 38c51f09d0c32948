"""Domain errors. The API maps each to the error shape of SPEC §9; the pages show them inline."""


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, detail: str = "", errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class NotFound(DomainError):
    """The object does not exist, or lies outside the user's scope (never tell which)."""

    code = "not_found"
    status = 404


class ActionForbidden(DomainError):
    code = "permission_denied"
    status = 403


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class InvalidInput(DomainError):
    code = "validation_error"
    status = 400
