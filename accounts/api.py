"""POST /api/v1/auth/token/ (SPEC §9), /auth/logout/ and /auth/logoutall/.

Tokens are django-rest-knox tokens: the database keeps a SHA-512 digest, never the token; each
expires API_TOKEN_TTL_HOURS after it was issued; signing out deletes it, and a password change
deletes them all (accounts.receivers). Each sign-in issues a fresh token.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny

from accounts.auth import TokenAuthentication
from accounts.lockout import lockout_message, lockout_seconds

ERROR = inline_serializer(
    "SignInError",
    {
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class SignInLocked(exceptions.APIException):
    """429 in the §9 error shape, with Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self):
        super().__init__(lockout_message())
        self.wait = lockout_seconds()


class TokenView(knox_views.LoginView):
    """{"username", "password"} → 200 {"token", "expiry"}. A failure counts towards the
    sign-in lockout shared with the web and admin forms (accounts.lockout)."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    # Sign-in scripts often post a form; the rest of the API takes JSON only (SPEC §9).
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    serializer_class = SignInSerializer

    @extend_schema(
        request=SignInSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
            ),
            400: ERROR,
            429: ERROR,
        },
    )
    def post(self, request, format=None):
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request=request, **serializer.validated_data)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise SignInLocked()
            raise exceptions.ValidationError({"non_field_errors": ["用户名或密码不正确。"]})
        request.user = user
        return super().post(request, format=format)


class LogoutView(knox_views.LogoutView):
    """Revoke the token this request carries."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None, 401: ERROR})
    def post(self, request, format=None):
        return super().post(request, format=format)


class LogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of the caller (all scripts and devices)."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None, 401: ERROR})
    def post(self, request, format=None):
        return super().post(request, format=format)
