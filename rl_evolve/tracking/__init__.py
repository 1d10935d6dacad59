"""Run folders, TensorBoard helpers and run summaries."""
