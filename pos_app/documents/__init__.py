"""Layouts: receipts, appraisals, labels, privacy reports."""
