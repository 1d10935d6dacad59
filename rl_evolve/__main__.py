"""``python -m rl_evolve`` is the ``rl-evolve`` command."""

from rl_evolve.cli import main

main()
