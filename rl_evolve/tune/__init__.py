"""Hyperparameter tuning (``task=tune``): Optuna studies with pruning on periodic evaluations."""
