"""Idempotent demo data: running it twice changes nothing.

Each domain contributes a step (``accounts`` people and organisations first); every
step looks rows up by a natural key and only creates what is missing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scopes_disabled

from accounts import demo as accounts_demo
from api import demo as api_demo
from dashboard import services as dashboard_services
from knowledge import demo as knowledge_demo
from notifications import demo as notifications_demo
from sla import demo as sla_demo
from surveys import demo as surveys_demo
from tickets import demo as tickets_demo
from tickets import demo_links as tickets_links_demo
from webhooks import demo as webhooks_demo
from workspace import demo as workspace_demo


class Command(BaseCommand):
    help = "Create the demo organisations, people and history (safe to run again)."

    def handle(self, *args, **options):
        steps = [
            ("people and organisations", accounts_demo.seed),
            ("products and contracts", sla_demo.seed),
            ("five months of ticket history", tickets_demo.seed),
            ("linked tickets, a merged duplicate and a parent incident", tickets_links_demo.seed),
            ("satisfaction survey answers", surveys_demo.seed),
            ("knowledge base and release notes", knowledge_demo.seed),
            ("dashboard summaries", dashboard_services.summaries_seed),
            ("on-call rota", notifications_demo.seed),
            ("API tokens", api_demo.seed),
            ("webhooks", webhooks_demo.seed),
            ("canned responses", workspace_demo.seed),
        ]
        with scopes_disabled(), transaction.atomic():  # seeds every demo organisation
            for label, step in steps:
                self.stdout.write(f"  seeding {label}…")
                step(self.stdout)
        accounts_demo.print_sign_ins(self.stdout)
        api_demo.print_tokens(self.stdout)
