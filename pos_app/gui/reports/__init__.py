"""The Reports screen's pages for the owner and managers: any report of the catalog (`report_page`), its
table model (`table_model`), and the way a running report is stopped (`cancel`)."""
