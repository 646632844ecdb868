"""Forms of the coordination UI, one module per area (base: what they all share). They
validate shape; the services validate meaning."""
