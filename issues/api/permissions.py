"""DRF permissions that ask the services (the rules stay there)."""

from rest_framework.permissions import BasePermission

from issues.services.org import is_office_member


class IsOfficeMember(BasePermission):
    """Office admins and reviewers (any unit) and superusers."""

    message = "仅整改办人员和系统管理员可以执行此操作。"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and is_office_member(
            request.user
        )
