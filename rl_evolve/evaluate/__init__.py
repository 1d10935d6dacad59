"""``task=evaluate``: score a trained agent, map how it generalises over physics, record videos."""
