"""The demo store opens and holds what the demo promises."""

from pos_app.app import Facet


def test_demo_store_has_items_customers_sales_and_every_role(demo_facet: Facet) -> None:
    counts = demo_facet.store.directory.counts()
    roles = {s.role.value for s in demo_facet.store.directory.staff_list()}
    assert counts.items >= 200
    assert counts.customers == 50
    assert counts.sales > 40
    assert roles == {"owner", "manager", "clerk", "appraiser", "privacy_officer"}
