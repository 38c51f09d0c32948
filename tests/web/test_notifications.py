"""通知: the user's own notifications, opened one click from the work, marked read."""

import pytest

from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(cast, make_problem, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cast.problem = make_problem("assigned")
    return list(Notification.objects.filter(recipient=cast.admin_a))


def test_it_lists_only_my_notifications_with_the_unread_badge(cast, notes, web):
    response = web(cast.admin_a).get("/notifications/")
    assert [n.pk for n in response.context["page"].object_list] == [n.pk for n in notes]
    assert 'class="badge"' in response.content.decode()
    assert list(web(cast.admin_b).get("/notifications/").context["page"].object_list) == []


def test_it_opens_a_notification_on_its_problem_and_marks_it_read(cast, notes, web):
    response = web(cast.admin_a).get(f"/notifications/{notes[0].pk}/open/")
    assert response["Location"] == f"/problems/{cast.problem.pk}/"
    notes[0].refresh_from_db()
    assert notes[0].read_at is not None


def test_it_refuses_someone_elses_notification(cast, notes, web):
    assert web(cast.admin_b).get(f"/notifications/{notes[0].pk}/open/").status_code == 404
    assert web(cast.admin_b).post(f"/notifications/{notes[0].pk}/read/").status_code == 404


def test_it_marks_one_and_all_read(cast, notes, web):
    client = web(cast.admin_a)
    assert client.post(f"/notifications/{notes[0].pk}/read/").status_code == 302
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=cast.admin_a, read_at=None).exists()
    assert 'class="badge"' not in client.get("/notifications/").content.decode()
