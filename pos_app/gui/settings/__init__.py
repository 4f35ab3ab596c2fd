"""Settings, for the owner and managers: who may do what, and the store's settings, changed in place.

Pages (Alt+1 .. Alt+8): Permissions (read-only: the matrix every service
checks, `domain/permissions.py`; changing it is a code change, on purpose),
Store (the profile the first run wrote), Receipts (the printer with a test
page, columns, logo, texts), Payments (the Stripe key into the keyring, the
reader, test mode), Security (idle lock, argon2 costs, the clerk's discount
limit, the roles that must use two-step sign-in, the keyring), Retention, Locations,
Reports (the commission rules and the aging cut-offs the manager reports read).

- `view`: the screen (`SettingsView`): its keys, pages and focus, reading what they show, the logo.
- `pages`: which fields each page shows and how a value reads in its field; the builders that set the
  pages up for whoever is signed in and fill them from what was read.
- `saving`: Ctrl+S and the page actions that change something, each through the command line's service,
  a refusal shown on the field it names with nothing saved.

Who may change what follows the permission matrix: the owner everything, a
manager the printer; the rest is shown read-only. Threads: reading and saving
run on the op runner's workers; the view only fills widgets on the GUI thread.
"""
