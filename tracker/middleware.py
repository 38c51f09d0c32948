"""Chinese unless the user chose otherwise (SPEC §8).

LocaleMiddleware would follow the browser's Accept-Language, so an office PC set up in
English would get English pages. This middleware runs just before it and hides that header:
the language is then the one picked with the switch (set_language's cookie) or LANGUAGE_CODE.
"""


class IgnoreAcceptLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
