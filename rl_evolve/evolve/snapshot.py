"""A deployment's state at an episode boundary, so that a killed deployment resumes where it
stopped (``rl-evolve resume=<evolve run>``).

What is written (``checkpoints/deployment.pkl``, atomically, after every adaptation and every
``evolve.snapshot_every`` served episodes): the world's log (its episodes, steps by role, the
transitions the loop still reads), the schedule's clock, the exploration stream, the detectors,
alarms, adaptations, probation, a shadow's takeover, the gate tests spent, and every version's
service start and model window; beside it the shadow learner (``shadow.zip`` and its replay
buffer; its Dyna world model and imagined buffer, if any, in the pickle). The versions
themselves are ``checkpoints/v<id>.zip`` and ``v<id>.dynamics.pt``, written when they were made,
and the lineage is ``lineage.json``. Episodes the killed run played after its
last snapshot are played again: by common random numbers they start from the same states.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from rl_evolve.errors import ConfigError

# ``d`` below is a ``rl_evolve.evolve.loop.Deployment``, which imports this module: not imported
# back, not even for type checking (tests/test_import_layers.py)
Deployment = Any

NAME = "deployment.pkl"
DEPLOYMENT_FIELDS = (
    "lineage",
    "service_start",
    "alarms",
    "adaptations",
    "_probation",
    "tests",
    "gradient_steps",
    "_served_since_gate",
    "shadow_since",
    "detectors",
    "served",
    "takeover",
)


def save(d: Deployment) -> None:
    """Writes the deployment's state (the world is at the start of an episode)."""
    state: dict[str, Any] = {
        "deployment": {k: getattr(d, k) for k in DEPLOYMENT_FIELDS},
        "world": d.world.state(keep=max(int(d.ev.model_steps), int(d.ev.recent_steps))),
        "monitors_until": {v: m.fitted_until for v, m in d.members.items()},
        "shadow": None,
    }
    if d.shadow is not None:
        d.shadow.model.save(d.checkpoints / "shadow.zip")
        d.shadow.model.save_replay_buffer(d.checkpoints / "shadow_replay.pkl")
        state["shadow"] = {
            k: getattr(d.shadow, k) for k in ("transitions", "updates", "flushes", "_owed", "imagination")
        }
    tmp = d.checkpoints / f".{NAME}.tmp"
    with tmp.open("wb") as f:
        pickle.dump(state, f)
    os.replace(tmp, d.checkpoints / NAME)


def load(checkpoints: Path) -> dict[str, Any]:
    path = checkpoints / NAME
    if not path.is_file():
        raise ConfigError(
            f"resume: {checkpoints.parent} has no checkpoints/{NAME} (the deployment stopped "
            "before its first snapshot); start it again"
        )
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
        raise ConfigError(f"resume: {path} is not a deployment snapshot ({exc})") from exc


def restore(d: Deployment, state: dict[str, Any]) -> None:
    """Puts ``state`` back into a deployment whose versions are loaded (``d.members``) and whose
    world is fresh; then starts the world's next episode (the one the snapshot was taken before)."""
    for key, value in state["deployment"].items():
        setattr(d, key, value)
    for version in [v for v in d.members if v >= len(d.lineage.versions)]:
        del d.members[version]  # made after the snapshot: the replay makes it again
    for version, until in state["monitors_until"].items():
        d.members[version].fitted_until = until
    d.world.restore(state["world"])
    d._logged = len(d.world.log.episodes)
    d.progress.update(d.world.steps - d.progress.n)
