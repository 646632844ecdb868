"""HTML views, by area: `cases` (the case work) and `audit` (the auditors' pages)."""
