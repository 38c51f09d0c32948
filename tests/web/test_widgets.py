"""QuickSelect writes what Django's Select writes, without a template per option."""

import re

from django import forms

from issues.views.widgets import QuickSelect

CHOICES = [("", "全部"), (1, "教育局"), (2, "\u3000实验小学 <一>"), (3, "卫健局")]


def _options(html):
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)


def _render(widget, value):
    widget.choices = CHOICES
    return widget.render("unit", value, {"id": "id_unit", "required": False})


def test_it_renders_the_options_django_renders():
    for value in (None, "", "2", 3, "9"):
        quick, django = _render(QuickSelect(), value), _render(forms.Select(), value)
        assert _options(quick) == _options(django), value
        assert quick.startswith('<select name="unit" id="id_unit">')


def test_it_escapes_labels_and_marks_one_option_selected():
    html = _render(QuickSelect(), "2")
    assert "&lt;一&gt;" in html and "<一>" not in html
    assert html.count(" selected") == 1
