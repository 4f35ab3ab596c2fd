"""Who may do what: the one permission matrix, enforced by every service.

Roles: the *owner* runs the store; a *manager* runs the floor and the stock;
a *clerk* sells; an *appraiser* writes appraisals and certificates; the
*privacy officer* answers customers' privacy requests and alone may edit a
restricted customer's record. Buttons are hidden from roles that lack a
permission, but the services check it again: hiding is a courtesy, the check
is the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_app.domain.errors import PermissionDenied


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CLERK = "clerk"
    APPRAISER = "appraiser"
    PRIVACY_OFFICER = "privacy_officer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def signs_in_with_password(self) -> bool:
        """Roles that reach money, staff or personal data sign in with a password."""
        return self in (Role.OWNER, Role.MANAGER, Role.PRIVACY_OFFICER)

    @property
    def requires_two_step(self) -> bool:
        """Roles that must add a one-time code to sign in whatever the store's setting: the owner
        reaches everything, the privacy officer every customer's personal data. The owner may require
        it of more roles (`security.two_step_roles`; see `two_step_required`)."""
        return self in TWO_STEP_MINIMUM


# Who must use two-step sign-in: the store's setting `security.two_step_roles` names the roles, and
# it never names fewer than these two (the setting refuses it, and `two_step_roles` adds them back to
# anything stored before that check).
TWO_STEP_SETTING = "security.two_step_roles"
TWO_STEP_MINIMUM: frozenset[Role] = frozenset({Role.OWNER, Role.PRIVACY_OFFICER})


def _role_named(text: str) -> Role | None:
    """A role as a person types it: "manager", "Privacy officer", "privacy_officer", "privacy-officer"."""
    key = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    try:
        return Role(key)
    except ValueError:
        return None


def parse_two_step_roles(text: str) -> list[str]:
    """The setting's value from the text typed (roles separated by commas), in the roles' own order.

    Refused, naming the setting: a word that is not a role, or a list without the owner and the
    privacy officer (the minimum; they may not be removed)."""
    from pos_app.domain.errors import ValidationError

    chosen: set[Role] = set()
    for word in (w for w in text.split(",") if w.strip()):
        role = _role_named(word)
        if role is None:
            raise ValidationError(TWO_STEP_SETTING, f"{word.strip()!r} is not a role; the roles are "
                                                    f"{', '.join(r.value for r in Role)}")
        chosen.add(role)
    missing = [r for r in Role if r in TWO_STEP_MINIMUM and r not in chosen]
    if missing:
        raise ValidationError(TWO_STEP_SETTING, "always includes the owner and the privacy officer (they reach "
                                                "every setting and every customer's data); "
                                                f"{' and '.join(r.label.lower() for r in missing)} cannot be "
                                                "removed")
    return [r.value for r in Role if r in chosen]


def two_step_roles(stored: object) -> frozenset[Role]:
    """The roles that must use two-step sign-in, from the setting's stored value (None: not set):
    at least TWO_STEP_MINIMUM, whatever is stored."""
    roles = set(TWO_STEP_MINIMUM)
    if isinstance(stored, list | tuple):
        roles |= {role for role in (_role_named(str(v)) for v in stored) if role is not None}
    return frozenset(roles)


def two_step_required(role: Role, required: frozenset[Role] = TWO_STEP_MINIMUM) -> bool:
    """Whether a person of `role` must use two-step sign-in, given the store's `two_step_roles`."""
    return role in TWO_STEP_MINIMUM or role in required


class Permission(StrEnum):
    # counter
    SELL = "sell"
    DISCOUNT_ABOVE_LIMIT = "discount_above_limit"
    OVERRIDE_PRICE = "override_price"
    VOID_SALE = "void_sale"
    REFUND = "refund"
    OPEN_DRAWER = "open_drawer"
    # inventory
    VIEW_INVENTORY = "view_inventory"
    VIEW_COST = "view_cost"
    EDIT_ITEM = "edit_item"
    RECEIVE_STOCK = "receive_stock"
    ADJUST_STOCK = "adjust_stock"
    COUNT_STOCK = "count_stock"
    PRINT_TAGS = "print_tags"
    IMPORT_ITEMS = "import_items"
    EXPORT_ITEMS = "export_items"
    VIEW_STOCK_REPORTS = "view_stock_reports"
    # customers and privacy
    VIEW_CUSTOMERS = "view_customers"
    EDIT_CUSTOMERS = "edit_customers"
    EDIT_RESTRICTED_CUSTOMER = "edit_restricted_customer"
    EXPORT_MARKETING_LIST = "export_marketing_list"
    HANDLE_PRIVACY_REQUESTS = "handle_privacy_requests"
    ERASE_CUSTOMER = "erase_customer"
    # appraisals
    WRITE_APPRAISALS = "write_appraisals"
    FINALIZE_APPRAISALS = "finalize_appraisals"
    VIEW_APPRAISALS = "view_appraisals"
    PRINT_APPRAISALS = "print_appraisals"
    APPRAISE_SALE = "appraise_sale"
    VERIFY_APPRAISALS = "verify_appraisals"
    VIEW_CERTIFICATES = "view_certificates"
    # administration
    MANAGE_STAFF = "manage_staff"
    RESET_STAFF_PINS = "reset_staff_pins"  # a clerk's or appraiser's PIN (managers); anyone's with MANAGE_STAFF
    VIEW_SETTINGS = "view_settings"
    MANAGE_SETTINGS = "manage_settings"
    # The receipt printer's address, profile and columns, and its test page: the manager on duty fixes a
    # printer that moved or was replaced; the store's other settings are the owner's.
    MANAGE_PRINTER = "manage_printer"
    BACKUP = "backup"
    RESTORE = "restore"
    REKEY = "rekey"  # change the database key
    VIEW_AUDIT = "view_audit"
    VIEW_SALES_REPORTS = "view_sales_reports"
    # Sync with a central PostgreSQL: joining, leaving and setting central up are the owner's; the queue of
    # conflicts and refused changes is the manager's to review and settle.
    MANAGE_SYNC = "manage_sync"
    RESOLVE_SYNC_CONFLICTS = "resolve_sync_conflicts"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


P = Permission

# The matrix as Settings shows it: permissions by area, in the order a person reads them.
AREAS: dict[str, tuple[Permission, ...]] = {
    "Counter": (P.SELL, P.DISCOUNT_ABOVE_LIMIT, P.OVERRIDE_PRICE, P.VOID_SALE, P.REFUND, P.OPEN_DRAWER),
    "Inventory": (P.VIEW_INVENTORY, P.VIEW_COST, P.EDIT_ITEM, P.RECEIVE_STOCK, P.ADJUST_STOCK, P.COUNT_STOCK,
                  P.PRINT_TAGS, P.IMPORT_ITEMS, P.EXPORT_ITEMS, P.VIEW_STOCK_REPORTS),
    "Customers and privacy": (P.VIEW_CUSTOMERS, P.EDIT_CUSTOMERS, P.EDIT_RESTRICTED_CUSTOMER,
                              P.EXPORT_MARKETING_LIST, P.HANDLE_PRIVACY_REQUESTS, P.ERASE_CUSTOMER),
    "Appraisals and certificates": (P.WRITE_APPRAISALS, P.FINALIZE_APPRAISALS, P.VIEW_APPRAISALS,
                                    P.PRINT_APPRAISALS, P.APPRAISE_SALE, P.VERIFY_APPRAISALS,
                                    P.VIEW_CERTIFICATES),
    "Administration": (P.MANAGE_STAFF, P.RESET_STAFF_PINS, P.VIEW_SETTINGS, P.MANAGE_SETTINGS, P.MANAGE_PRINTER,
                       P.BACKUP, P.RESTORE, P.REKEY, P.VIEW_AUDIT, P.VIEW_SALES_REPORTS, P.MANAGE_SYNC,
                       P.RESOLVE_SYNC_CONFLICTS),
}

# A clerk prints the appraisals made from a sale (PRINT_APPRAISALS) and asks
# an appraiser to sign them (APPRAISE_SALE), but reads no other appraisal.
_CLERK = frozenset({P.SELL, P.VIEW_INVENTORY, P.PRINT_TAGS, P.VIEW_CUSTOMERS, P.EDIT_CUSTOMERS, P.COUNT_STOCK,
                    P.PRINT_APPRAISALS, P.APPRAISE_SALE})

_MANAGER = _CLERK | {
    P.DISCOUNT_ABOVE_LIMIT, P.OVERRIDE_PRICE, P.VOID_SALE, P.REFUND, P.OPEN_DRAWER,
    P.VIEW_COST, P.EDIT_ITEM, P.RECEIVE_STOCK, P.ADJUST_STOCK, P.IMPORT_ITEMS,
    P.EXPORT_ITEMS, P.VIEW_STOCK_REPORTS, P.EXPORT_MARKETING_LIST, P.BACKUP,
    P.VIEW_SALES_REPORTS, P.VIEW_CERTIFICATES, P.VIEW_SETTINGS, P.RESET_STAFF_PINS, P.MANAGE_PRINTER,
    P.RESOLVE_SYNC_CONFLICTS,
}

_APPRAISER = frozenset({P.VIEW_INVENTORY, P.VIEW_CUSTOMERS, P.PRINT_TAGS, P.WRITE_APPRAISALS, P.FINALIZE_APPRAISALS,
                        P.VIEW_APPRAISALS, P.PRINT_APPRAISALS, P.APPRAISE_SALE, P.VERIFY_APPRAISALS,
                        P.VIEW_CERTIFICATES})

_PRIVACY_OFFICER = frozenset({
    P.VIEW_CUSTOMERS, P.EDIT_CUSTOMERS, P.EDIT_RESTRICTED_CUSTOMER,
    P.HANDLE_PRIVACY_REQUESTS, P.ERASE_CUSTOMER, P.VIEW_AUDIT,
})

# The owner may do everything but edit a restricted customer's record: a
# customer who asked to restrict processing is edited only by the privacy
# officer, the person accountable for that request.
_OWNER = frozenset(Permission) - {P.EDIT_RESTRICTED_CUSTOMER}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _OWNER,
    Role.MANAGER: frozenset(_MANAGER),
    Role.CLERK: _CLERK,
    Role.APPRAISER: _APPRAISER,
    Role.PRIVACY_OFFICER: _PRIVACY_OFFICER,
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in MATRIX[role]


# What an unattended job's token allows (`pos-app jobs create NAME --for JOB`): the nightly
# backup copies the store; the retention run lets go of what is past its period, which is
# erasing (the retention service asks for ERASE_CUSTOMER). Nothing else.
JOB_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "backup": frozenset({P.BACKUP}),
    "retention": frozenset({P.ERASE_CUSTOMER}),
}


@dataclass(frozen=True)
class Actor:
    """Who is asking a service to act: a signed-in staff member (at a counter or on the
    command line), an unattended job, or one of the app's own background runs.

    The audit trail records `name` (a person's name, with "(command line)" when they
    acted there), `staff_id` (None for a job or a background run), `role` and
    `terminal`. `only`, when set, narrows the role to those permissions: a job token
    acts with its job's permission and nothing else, whatever its maker's role.
    """

    staff_id: str | None
    name: str
    role: Role
    terminal: str
    only: frozenset[Permission] | None = None

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission) and (self.only is None or permission in self.only)

    def require(self, permission: Permission) -> None:
        if self.can(permission):
            return
        action = permission.value.replace("_", " ")
        if self.only is not None and allows(self.role, permission):
            allowed = ", ".join(sorted(p.value.replace("_", " ") for p in self.only))
            raise PermissionDenied(f"{self.name} may only {allowed}; it cannot {action}.")
        # Point to whoever can help: the owner only when no one else can.
        helpers: list[Role] = [r for r in Role if r is not Role.OWNER and allows(r, permission)]
        helpers = helpers or [r for r in Role if allows(r, permission)]
        ask = " or ".join(_a(r.label.lower()) for r in helpers)
        raise PermissionDenied(f"{_a(self.role.label.lower()).capitalize()} cannot {action}; ask {ask}.")


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
