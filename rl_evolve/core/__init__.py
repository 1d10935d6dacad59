"""The backprop core shared by the supervised Trainer and RL fine-tuning: optimiser factory,
penalties (L2-SP, EWC), metrics, checkpoints and the Trainer with named hooks."""
