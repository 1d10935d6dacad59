"""Scoring shared by tasks and reports: normalised returns, reference returns, statistics."""
