"""REST API v1 (the contract is docs/api.md)."""
