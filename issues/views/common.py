"""Small helpers shared by the pages."""

from dataclasses import dataclass

from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from issues.selectors.deadlines import Light


@dataclass(frozen=True)
class LightDisplay:
    name: str  # red, yellow, ... (the CSS class)
    label: str  # 红灯 — always shown next to the dot, never colour alone
    meaning: str


LIGHTS = {
    Light.RED: (_("红灯"), _("已逾期")),
    Light.YELLOW: (_("黄灯"), _("临近到期或有措施逾期")),
    Light.GREEN: (_("绿灯"), _("正常推进")),
    Light.BLUE: (_("蓝灯"), _("已完成")),
    Light.GREY: (_("灰灯"), _("未交办或已撤销")),
}


def light_display(name: str) -> LightDisplay:
    label, meaning = LIGHTS.get(name, LIGHTS[Light.GREY])
    return LightDisplay(name=name, label=str(label), meaning=str(meaning))


def light_choices():
    return [(name, f"{label}（{meaning}）") for name, (label, meaning) in LIGHTS.items()]


def safe_next(request, default: str) -> str:
    """A local URL from the `next` field, or `default` (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
