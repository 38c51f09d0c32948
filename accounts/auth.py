"""Token authentication for the API: knox's, with two mends.

- A malformed token (not the 64 hex digits knox issues) is refused before it reaches the
  database: knox would decode the header as UTF-8 (a 500 on other bytes) and query with it
  (a 500 on PostgreSQL for a NUL character).
- Every refusal says the same thing, in Chinese, whether the token is unknown, expired,
  revoked or its user deactivated.
"""

import re

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from rest_framework import exceptions

TOKEN_FORMAT = re.compile(r"[0-9a-f]{64}")
REFUSED = "令牌无效、已过期或已注销，请重新登录获取令牌。"


class TokenAuthentication(knox_auth.TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        if not TOKEN_FORMAT.fullmatch(token.decode("latin-1")):
            raise exceptions.AuthenticationFailed(REFUSED)
        try:
            return super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed:
            raise exceptions.AuthenticationFailed(REFUSED) from None


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: `Authorization: Token <token>`."""

    target_class = "accounts.auth.TokenAuthentication"
    name = "tokenAuth"
