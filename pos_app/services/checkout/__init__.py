"""Selling at the counter: build a cart, take payment, complete the sale.

One module per step, all importable from here (`checkout.scan`, `checkout.pay_cash`, ...):

- `cart`: the cart as the clerk builds it (scans, quantities, discounts, price changes, tax
  exemption, customer), checked against stock, the clerk's limits and the permission matrix;
  nothing is written but a manager's approval on the audit trail.
- `parking`: park a cart, recall it, hand it over at a switch of user.
- `tenders`: open a cart's payment journal (`start_checkout`), cash in and out, Form 8300, void.
- `cards`: the card reader's state machine (charges and refunds asked of Stripe, journaled first).
- `completion`: the sale written in one transaction with everything it changes.
- `recovery`: after a crash, settle the journals this counter left open.
- `journal`: how each call reads and writes the journal through `uow.checkouts`.

Paying is where a sale could be lost or charged twice, so it is a journal: a
domain value (`domain/checkout.py`) with pure state changes, which keeps the
totals and the tax rate it was priced at, saved at every step through the
journal repository (`services/ports/checkout.py`). The sell screen holds the
journal's id; each payment call reads the journal as stored and returns the
new value.
"""

from __future__ import annotations

from pos_app.domain.checkout import Checkout, CheckoutStatus, LargeCashDetails, PendingCard
from pos_app.services.checkout.cards import (
    cancel_card,
    card_refundable,
    check_card,
    refund_card,
    start_card,
)
from pos_app.services.checkout.cart import (
    CUSTOMER_ERASED_MEANWHILE,
    DEFAULT_CLERK_DISCOUNT_LIMIT,
    CounterSettings,
    DiscountToConfirm,
    add_item,
    attach_customer,
    clear_tax_exemption,
    counter_settings,
    discount_line,
    discount_order,
    exempt_from_tax,
    find_item,
    override_price,
    parse_discount,
    refresh_customer,
    remove_line,
    scan,
    set_quantity,
)
from pos_app.services.checkout.completion import (
    CUSTOMER_ERASED_NOTE,
    CompletedSale,
    complete_sale,
    paid_summary,
    sale_rows,
)
from pos_app.services.checkout.journal import CheckoutRef, open_checkout
from pos_app.services.checkout.parking import hand_over_cart, park_cart, recall_cart
from pos_app.services.checkout.recovery import Recovered, conflict_message, recover_checkouts
from pos_app.services.checkout.salespeople import Seller, credits_for_sale, sellers, share_sale
from pos_app.services.checkout.tenders import (
    LARGE_CASH_LIMIT_CENTS,
    LargeCashDetailsNeeded,
    check_large_cash,
    large_cash_since,
    pay_cash,
    refund_cash,
    refund_unsold,
    reopen,
    start_checkout,
    void_checkout,
)

__all__ = [
    "Seller", "credits_for_sale", "sellers", "share_sale",
    "CUSTOMER_ERASED_MEANWHILE", "CUSTOMER_ERASED_NOTE",
    "DEFAULT_CLERK_DISCOUNT_LIMIT", "LARGE_CASH_LIMIT_CENTS", "Checkout", "CheckoutRef", "CheckoutStatus",
    "CompletedSale", "CounterSettings", "DiscountToConfirm", "LargeCashDetails", "LargeCashDetailsNeeded",
    "PendingCard", "Recovered", "add_item", "attach_customer", "cancel_card", "card_refundable", "check_card",
    "check_large_cash", "clear_tax_exemption", "complete_sale", "conflict_message", "counter_settings",
    "discount_line", "discount_order", "exempt_from_tax", "find_item", "hand_over_cart", "large_cash_since",
    "open_checkout", "override_price", "paid_summary", "park_cart", "parse_discount", "pay_cash", "recall_cart",
    "recover_checkouts", "refresh_customer", "refund_card", "refund_cash", "refund_unsold", "remove_line",
    "reopen", "sale_rows", "scan", "set_quantity", "start_card", "start_checkout", "void_checkout",
]
