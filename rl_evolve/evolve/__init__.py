"""The self-evolution loop's parts: change detectors, the promotion gate, the lineage registry."""
