"""REST API v1 (the contract is ../shared/docs/API.md)."""
