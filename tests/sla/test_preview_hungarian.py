"""A tier's targets in words for a customer who reads Hungarian (the contract page)."""

import pytest
from django.utils import translation

from sla.models import SupportTier
from sla.preview import describe_policy
from sla.selectors import policies_for_tier

pytestmark = pytest.mark.django_db


def test_the_standard_tier_reads_in_hungarian():
    policies = policies_for_tier(tier_id=SupportTier.objects.get(slug="standard").pk)

    with translation.override("hu"):
        sentences = [str(describe_policy(policy)) for policy in policies]

    assert sentences[0].startswith(
        "Kritikus (S1): első válasz a következő munkanapig; tájékoztatás munkanaponta "
        "egyszer, amíg áthidaló megoldás nem születik; osztályozás "
    )
    assert sentences[0].endswith(", ha munkaidőn kívül jelentik be")
    assert sentences[1] == "Jelentős (S2): első válasz 2 munkanapon belül; tájékoztatás hetente"
    assert sentences[2] == "Kisebb (S3): első válasz 1 héten belül; tájékoztatás havonta"
