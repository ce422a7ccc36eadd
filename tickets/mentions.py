"""``@name`` mentions in internal notes: who a note names, and who it could not.

The rule: ``@`` followed by a colleague's handle, case-insensitive, where a handle is
the local part of their email address (``@agnes`` for agnes@vendor.example) or their
full name without spaces (``@AgnesAgent`` for "Agnes Agent"). Only active support staff
are ever matched, so a customer is never named, whatever their name or address. A
handle that fits nobody is unknown and one that fits more than one colleague is
ambiguous: neither notifies anyone, and the agent who wrote the note is told.
Mentions in public replies notify nobody (notifications.handlers reads notes only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from accounts.models import User
from tickets import selectors

# After a space, a bracket or the start, never inside an address (name@host).
MENTION = re.compile(r"(?<![\w@.+-])@(\w[\w.+-]*)")


def handles_in(body: str) -> list[str]:
    """The handles a text names, lower-cased, each once, in the order written; a
    sentence's full stop after a handle is not part of it."""
    found: list[str] = []
    for match in MENTION.finditer(body):
        handle = match.group(1).rstrip(".-+").lower()
        if handle and handle not in found:
            found.append(handle)
    return found


def handles_of(user: User) -> set[str]:
    return {
        user.email.rpartition("@")[0].lower(),
        "".join(user.full_name.split()).lower(),
    } - {""}


@dataclass
class Mentions:
    people: list[User] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    @property
    def not_found(self) -> list[str]:
        return [*self.unknown, *self.ambiguous]


def mentions_in(body: str, *, author: User | None = None) -> Mentions:
    """The colleagues a note names (each once, never its author), and the handles that
    named nobody or more than one colleague."""
    result = Mentions()
    handles = handles_in(body)
    if not handles:
        return result
    staff = list(selectors.staff_choices())
    for handle in handles:
        matches = [person for person in staff if handle in handles_of(person)]
        if not matches:
            result.unknown.append(handle)
        elif len(matches) > 1:
            result.ambiguous.append(handle)
        else:
            person = matches[0]
            if person not in result.people and (author is None or person.pk != author.pk):
                result.people.append(person)
    return result
