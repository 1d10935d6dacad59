"""The environments rl_evolve ships: dynamics specs, schedules, and the wrapper applying them.

Add an environment with one Python file here (a Gymnasium env and/or a ``DynamicsSpec``) and one
YAML in ``conf/env/`` naming it; see the walk-through in docs/environments.md.
"""
