"""acsi.pls."""
