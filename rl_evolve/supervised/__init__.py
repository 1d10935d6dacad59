"""Supervised models (CNN, LSTM), their datasets and tokenizer, trained on rl_evolve.core."""
