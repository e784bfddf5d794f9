"""acsi.results."""
