"""post_form: the one web form post — invalid, refused, done — and a GET that posts nothing."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import Http404
from django.test import RequestFactory

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.views.form_post import Posted, post_form, refused_on_top


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _post(data, service, **kwargs):
    request = _request(data=data)
    form = NameForm(request.POST)
    kwargs.setdefault("success", lambda result: f"已保存：{result}")
    kwargs.setdefault("then", lambda result: f"/done/{result}/")
    posted = post_form(request, form, service, **kwargs)
    return request, form, posted


def _messages(request):
    return [str(m) for m in get_messages(request)]


def test_it_redirects_with_a_message_when_the_service_does_it():
    request, _form, posted = _post({"name": "甲"}, lambda: 7)
    assert posted.response.status_code == 302 and posted.response.url == "/done/7/"
    assert _messages(request) == ["已保存：7"]


def test_it_answers_400_without_calling_the_service_when_the_form_is_invalid():
    called = []
    request, form, posted = _post({"name": ""}, lambda: called.append(1), invalid="请检查")
    assert posted == Posted(status=400, page_error="请检查")
    assert called == [] and "name" in form.errors and _messages(request) == []


def test_it_puts_a_refusal_on_the_form_fields_with_its_status():
    def refuse():
        raise InvalidInput("名称不对", errors={"name": ["名称已被占用"]})

    request, form, posted = _post({"name": "甲"}, refuse)
    assert posted == Posted(status=400, page_error="")
    assert form.errors["name"] == ["名称已被占用"] and _messages(request) == []


def test_it_puts_a_forbidden_refusal_on_top_of_the_page():
    def refuse():
        raise ActionForbidden("无权操作")

    _, form, posted = _post({"name": "甲"}, refuse)
    assert posted == Posted(status=403, page_error="无权操作") and not form.errors


def test_it_turns_a_refusal_outside_scope_into_a_404():
    def refuse():
        raise NotFound("不存在")

    with pytest.raises(Http404):
        _post({"name": "甲"}, refuse)


def test_it_lets_the_problem_pages_put_a_conflict_on_top():
    def refuse():
        raise InvalidTransition("状态已变化")

    _, form, posted = _post({"name": "甲"}, refuse, refused=refused_on_top)
    assert posted == Posted(status=409, page_error="状态已变化") and not form.errors


def test_it_does_nothing_on_a_get():
    request = _request("get")
    posted = post_form(request, NameForm(), lambda: 1 / 0, success="", then="/")
    assert posted == Posted()
