"""The Reports screen's pages: the dashboard (`dashboard.py`, its tiles in `tiles.py`)."""
