"""acsi.cbsem."""
