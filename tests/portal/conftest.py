# The tickets suite's contracts (ACME on Privilege, GLBX on Standard, both covering
# Ledgerline ERP 8.1) and its ticket maker serve the portal's tests too.
from tests.tickets.conftest import contracts, make_ticket  # noqa: F401
