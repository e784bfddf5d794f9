"""acsi.survey."""
