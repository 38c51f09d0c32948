"""The shared template partials: one pagination nav, one folded add form on the manage lists."""

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(cast, make_problem):
    for day in (1, 2, 3):
        make_problem("in_progress", title=f"问题{day}", due_date=dt.date(2026, 5, day))
    return cast


def test_it_keeps_the_list_filters_on_the_page_links(county, web, monkeypatch):
    monkeypatch.setattr("issues.views.problems.PAGE_SIZE", 1)
    body = web(county.oa).get("/problems/?status=in_progress&page=2").content.decode()
    assert 'href="?status=in_progress&amp;page=1"' in body
    assert 'href="?status=in_progress&amp;page=3"' in body
    assert "第 2 / 3 页" in body


def test_it_keeps_the_users_search_on_the_page_links(cast, web, monkeypatch):
    monkeypatch.setattr("issues.views.manage_org.PAGE_SIZE", 1)
    body = web(cast.oa).get("/manage/users/?q=a&page=1").content.decode()
    assert 'href="?q=a&amp;page=2"' in body and "上一页" not in body


def test_it_shows_no_page_nav_on_a_single_page(county, web):
    assert 'class="pagination"' not in web(county.oa).get("/problems/").content.decode()


@pytest.mark.parametrize(
    ("path", "testid", "label"),
    [
        ("/manage/campaigns/", "campaign-add", "新增专项整治"),
        ("/manage/webhooks/", "webhook-add", "新增推送地址"),
    ],
)
def test_it_folds_the_add_form_and_opens_it_again_when_refused(cast, web, path, testid, label):
    client = web(cast.oa)
    body = client.get(path).content.decode()
    assert f'data-testid="{testid}">{label}</summary>' in body
    assert '<details class="disclose">' in body  # folded on a plain visit
    refused = client.post(path, {"name": "", "url": "不是地址"})
    assert refused.status_code == 400
    assert '<details class="disclose" open data-has-errors>' in refused.content.decode()
