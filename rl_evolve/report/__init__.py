"""``rl-evolve-report``: aggregates any set of runs across seeds, with honest uncertainty."""
