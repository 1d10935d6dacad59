"""The environments rl_evolve ships: dynamics specs, schedules, and the wrapper applying them.

Add an environment with one Python file here (a Gymnasium env and/or a ``DynamicsSpec``) and one
YAML in ``conf/env/`` naming it; see the walk-through in docs/environments.md.
"""

import logging
import os

# MuJoCo renders (eval.video) without a screen through EGL, unless the user chose a backend or has
# a display. MuJoCo reads the choice once, when it is first imported: so here, before any env.
if "MUJOCO_GL" not in os.environ and not os.environ.get("DISPLAY"):
    os.environ["MUJOCO_GL"] = "egl"
# PyOpenGL, which MuJoCo's EGL backend loads, announces at INFO that it runs without its optional
# accelerator module; Hydra's logging would print that line at the start of every MuJoCo run.
logging.getLogger("OpenGL.acceleratesupport").setLevel(logging.WARNING)
