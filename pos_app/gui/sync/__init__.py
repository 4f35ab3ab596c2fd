"""Sync in the desktop app: the worker (`worker.py`), the status bar's words (`status.py`), the managers' Sync tab
(`view.py`) and the owner's group page in Settings (`settings_page.py`). A store that never joined a group gets
none of them."""
