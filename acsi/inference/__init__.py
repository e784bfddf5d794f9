"""acsi.inference."""
