"""The benchmark's index audit (bench/indexes.py): what it says of an index no page uses."""

import importlib.util
import sys
from pathlib import Path

from tickets.models import Ticket

_spec = importlib.util.spec_from_file_location(
    "bench_indexes", Path(__file__).resolve().parents[2] / "bench" / "indexes.py"
)
assert _spec is not None and _spec.loader is not None
indexes = importlib.util.module_from_spec(_spec)
sys.modules["bench_indexes"] = indexes  # its dataclasses look their module up
_spec.loader.exec_module(indexes)


def test_an_index_a_background_job_uses_is_named_and_not_offered_for_dropping():
    assert set(indexes.NOT_A_PAGE) <= {index.name for index in Ticket._meta.indexes}
    result = {
        "pages": 1,
        "indexes": {
            "ticket_created_idx": {"mb": 21.4, "used_by": [], "constraint": False},
            "ticket_unused_idx": {"mb": 1.0, "used_by": [], "constraint": False},
        },
        "unused": ["ticket_unused_idx"],
        "failures": [],
    }
    text = indexes.report(result)
    assert "daily summaries" in text
    assert "Unused by every page: ticket_unused_idx" in text
