"""What the API app does when the domain says so (core.events)."""

from accounts.models import User
from api.services import api_tokens_revoke_all
from core import events


@events.on_emit("person_access_ended")
def revoke_tokens_of_a_person_whose_access_ended(*, user: User, **_) -> None:
    """In the deactivating transaction itself: no token outlives its person's access."""
    api_tokens_revoke_all(user=user)
