"""The emulated account: who the API key is, its user, its organizations.

Why this exists: Neon's official clients start from these reads (`neonctl me`, `neonctl orgs
list`, the API clients' identity checks), and a controller with a personal key finds the org to
name from `GET /users/me/organizations`. The emulator stands for one account holding one user and
one default organization; any organization a project was created in (the emulator accepts any
`org_id` on create, as a key with access to it would) counts as one the account belongs to.
Projects created without an `org_id` belong to the default organization.
"""

from __future__ import annotations

from controller.emulator.engine import Session
from controller.emulator.errors import not_found
from controller.emulator.routing import JSON, ApiRequest, Reply
from controller.emulator.views import OWNER, OWNER_ID

DEFAULT_ORG_ID = "org-emulator-00000000"
DEFAULT_ORG_NAME = "tenantctl emulator"
ACCOUNT_CREATED_AT = "2024-03-01T00:00:00Z"
PROJECTS_LIMIT = 1000  # reported, not enforced (docs/emulator.md: no plan limits)
MAX_AUTOSCALING_CU = 16
# The subscription each consumption API choice stands for: usage-based plans have v2 only.
_PLANS = {"v2": "scale_v3", "legacy": "scale", "both": "scale", "none": "free_v3"}


def account_plan(session: Session) -> str:
    return _PLANS[session.emulator.config.consumption_api]


def member_org_ids(session: Session) -> list[str]:
    """The organizations the account belongs to: its default one first."""
    others = [o for o in session.emulator.store.org_ids() if o != DEFAULT_ORG_ID]
    return [DEFAULT_ORG_ID, *others]


def is_member(session: Session, org_id: str) -> bool:
    return org_id == DEFAULT_ORG_ID or org_id in session.emulator.store.org_ids()


def organization_view(session: Session, org_id: str) -> JSON:
    name = DEFAULT_ORG_NAME if org_id == DEFAULT_ORG_ID else org_id
    return {
        "id": org_id,
        "name": name,
        "handle": f"{name.replace(' ', '-')}-{org_id}",
        "plan": account_plan(session),
        "managed_by": "console",
        "created_at": ACCOUNT_CREATED_AT,
        "updated_at": ACCOUNT_CREATED_AT,
        "require_mfa": False,
    }


def _billing_account(session: Session) -> JSON:
    return {
        "state": "active",
        "payment_source": {"type": ""},
        "subscription_type": account_plan(session),
        "payment_method": "none",
        "quota_reset_at_last": ACCOUNT_CREATED_AT,
        "name": OWNER["name"],
        "email": OWNER["email"],
        "address_city": "",
        "address_country": "",
        "address_line1": "",
        "address_line2": "",
        "address_postal_code": "",
        "address_state": "",
    }


def get_current_user(session: Session, request: ApiRequest) -> Reply:
    login = str(OWNER["email"]).partition("@")[0]
    return 200, {
        "active_seconds_limit": 0,
        "billing_account": _billing_account(session),
        "auth_accounts": [
            {
                "email": OWNER["email"],
                "image": "",
                "login": login,
                "name": "tenantctl",
                "provider": "keycloak",
            }
        ],
        "email": OWNER["email"],
        "id": OWNER_ID,
        "image": "",
        "login": login,
        "name": "tenantctl",
        "last_name": "emulator",
        "projects_limit": PROJECTS_LIMIT,
        "branches_limit": OWNER["branches_limit"],
        "max_autoscaling_limit": MAX_AUTOSCALING_CU,
        "plan": account_plan(session),
    }


def list_current_user_organizations(session: Session, request: ApiRequest) -> Reply:
    orgs = [organization_view(session, org_id) for org_id in member_org_ids(session)]
    return 200, {"organizations": orgs}


def get_organization(session: Session, request: ApiRequest) -> Reply:
    org_id = request.params["org_id"]
    if not is_member(session, org_id):
        raise not_found("organization", org_id)
    return 200, organization_view(session, org_id)


def get_auth_details(session: Session, request: ApiRequest) -> Reply:
    """The key's identity: a personal API key of the account's user (never the key itself)."""
    return 200, {"account_id": OWNER_ID, "auth_method": "api_key_user"}
