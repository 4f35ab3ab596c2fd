"""Dialogs the counter shares: a manager's approval, finding or adding a customer, the cash drawer."""
