"""HTML views, by area: `cases` (the case work), `actions` (follow-up actions, notifications
and reminder preferences) and `auditing` (the auditors' pages)."""
