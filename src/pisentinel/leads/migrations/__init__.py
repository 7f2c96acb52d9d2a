"""Alembic migrations of the lead store; :class:`pisentinel.leads.store.LeadStore` runs them."""
