"""The API's JSON, written by orjson: the same bytes as DRF's JSONRenderer, several times faster.

DRF's renderer (compact, UTF-8, `\\u2028`/`\\u2029` escaped) runs `json.dumps` with DRF's
encoder; a page of 50 problems with their measures took ~3 ms of it (bench/bench_list.py).
orjson writes the same compact form; whatever it does not know natively — Decimal, lazy
translations, sets, dates and datetimes (passed through, so DRF's format applies: datetimes to
the millisecond, UTC as `Z`) — goes to DRF's encoder, as before. Indented output (the browsable
API, `Accept: application/json; indent=4`) and anything orjson refuses (integers beyond 64
bits, keys that are not strings) are left to DRF's own renderer. One difference remains: a
float NaN or infinity, which DRF refuses (an error 500), orjson writes as null; no serializer
here produces one (amounts are decimals). tests/api/test_renderer.py compares the two.
"""

import math

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ENCODER = JSONEncoder()


def _default(obj):
    value = _ENCODER.default(obj)
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError("a decimal NaN or infinity is DRF's to refuse")
    return value


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: leave the verdict to DRF's json.dumps
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body
