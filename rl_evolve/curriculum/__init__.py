"""Curricula: stages of changed dynamics, the stage runner, and continual-learning metrics."""
