"""DRF permissions that ask the services (the rules stay there)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from issues.selectors.scope import access_for
from issues.services.org import is_office_member


class IsOfficeMember(BasePermission):
    """Office admins and reviewers (any unit) and superusers."""

    message = "仅整改办人员和系统管理员可以执行此操作。"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and is_office_member(
            request.user
        )


class OfficeReadsRootOfficeAdminWrites(BasePermission):
    """Reading: office members (as IsOfficeMember). Writing: superusers and office admins whose
    membership sits at a root unit (the county's own office, not a township's)."""

    message = "仅县级（顶级单位）整改办管理员和系统管理员可以执行此操作。"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and is_office_member(user)):
            self.message = IsOfficeMember.message
            return False
        if request.method in SAFE_METHODS:
            return True
        return access_for(user).is_root_office_admin
