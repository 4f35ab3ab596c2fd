"""Reports for managers: the stock lists (low stock, aging), and the catalog of
sales, margin, salespeople, inventory, tax and end-of-day reports with the
dashboard, each computed once from the figures in `domain/figures.py`.

- `stock_lists`: low stock to reorder and pieces by age (the Reports screen's stock tabs).
- `catalog`: every report by name, `run(request)` for the screen and `pos-app reports`.
- `sales`, `salespeople`, `stock`, `tax`, `end_of_day`: the reports themselves, each registered in the catalog.
- `dashboard`: the Reports tab's first page.
"""

from pos_app.services.reports.stock_lists import aging, aging_summary, low_stock

__all__ = ["aging", "aging_summary", "low_stock"]
