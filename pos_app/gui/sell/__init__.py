"""The sell screen: cart, payment, returns, receipts and the drawer, at the counter."""
