"""Which sales a store's reports count: its own.

In a sync group every counter also holds the other stores' sales (they are
shared facts), but a store's reports, dashboard and tax figures are its own;
the group's are the head office's (`services/head_office.py`, read from
central). A sale is this store's when the person who made it is one of this
store's staff (`staff.store_id`; a person is staff of one store). A store
outside a group has only its own staff, so this changes nothing there.
"""

THIS_STORE = "(SELECT id FROM stores ORDER BY created_at LIMIT 1)"
OWN_SALE = f"s.staff_id IN (SELECT id FROM staff WHERE store_id = {THIS_STORE})"
"""A condition on `sales s`: the sale is this store's."""
