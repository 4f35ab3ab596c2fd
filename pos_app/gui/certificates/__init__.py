"""The certificates screen: diamond grading reports, their scans, and duplicate report numbers."""
