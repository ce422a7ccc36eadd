"""Publishing release notes: customers' administrators hear about it once."""

import pytest
from django.core.exceptions import PermissionDenied

from core import events
from knowledge import services
from knowledge.models import ReleaseNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_events(monkeypatch, eager_celery):
    """Every release_note_published event, recorded by a handler like the real ones
    (dispatched in-process as soon as the event's task is enqueued after the commit)."""
    monkeypatch.setattr(events, "_handlers", {k: list(v) for k, v in events._handlers.items()})
    seen = []

    @events.on("release_note_published")
    def record(*, release_note):
        seen.append(release_note.pk)

    return seen


@pytest.fixture
def note(db):
    return ReleaseNote.objects.create(
        title="ERP 8.2", slug="erp-82", kind="upgrade", body="Faster month-end."
    )


def test_publishing_stamps_the_note_and_emits_the_event_after_commit(
    personas, note, published_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        published = services.release_note_publish(personas.agent, release_note=note)
    assert published_events == []  # nothing before the commit

    for callback in callbacks:
        callback()

    assert published.published_at is not None
    assert published.published_by == personas.agent
    assert published_events == [note.pk]


def test_publishing_twice_emits_once(
    personas, note, published_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.release_note_publish(personas.agent, release_note=note)
    first = ReleaseNote.objects.get(pk=note.pk).published_at

    with django_capture_on_commit_callbacks(execute=True):
        services.release_note_publish(personas.manager, release_note=note)

    assert published_events == [note.pk]
    assert ReleaseNote.objects.get(pk=note.pk).published_at == first


def test_customers_cannot_publish(
    personas, note, published_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.release_note_publish(personas.admin_a, release_note=note)

    assert ReleaseNote.objects.get(pk=note.pk).published_at is None
    assert published_events == []
