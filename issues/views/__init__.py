"""Server-rendered pages (SPEC §8), one module per page family.

Views translate the request, call one selector or service and render; every rule lives in
issues/services and issues/selectors. Problems are always found through the scope selectors,
so a problem outside the user's scope is a 404 whatever URL is typed.
"""
