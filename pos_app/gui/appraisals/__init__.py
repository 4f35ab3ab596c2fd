"""The appraisals screen: the list of every appraisal, and the dialog that drafts, finalizes and corrects one."""
