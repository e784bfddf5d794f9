"""acsi.spec."""
