"""Dialogs the counter shares: finding or adding a customer, the cash drawer.

A manager's approval, which these dialogs ask for when a clerk may not act alone, is `gui/approval.py`.
"""
