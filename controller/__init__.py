"""tenantctl: declarative project-per-tenant controller for Neon partner integrations.

Git holds the intended fleet (pricing plans and tenants in YAML); the reconcile loop makes the
live Neon projects match it. See DESIGN notes in the README for the architecture.
"""

__version__ = "0.1.0"
