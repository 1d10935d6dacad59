"""Roll-back is a gate: a promoted version that falls in service goes back only to a champion
that is measurably better in the world as it is now."""

from __future__ import annotations

import numpy as np
from omegaconf import OmegaConf
from stable_baselines3.common.logger import configure

from rl_evolve.config.schema import EvolveConfig
from rl_evolve.evolve.loop import Deployment
from rl_evolve.evolve.world import World
from tests.evolve.test_world import CARTPOLE

HOME = {k: v for k, v in CARTPOLE.items() if k != "schedule"}


class Rule:
    """A fixed policy: ``balance`` pushes toward the pole's fall (long episodes), else one side."""

    def __init__(self, kind: str):
        self.kind = kind

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        if self.kind == "balance":
            return (obs[:, 2] + obs[:, 3] > 0).astype(np.int64), None
        return np.full(len(obs), int(self.kind == "right"), dtype=np.int64), None

    def save(self, path) -> None:
        path.write_text(self.kind)


def deployment(tmp_path, previous: str, promoted: str) -> Deployment:
    cfg = OmegaConf.create({"seed": 0, "evolve": OmegaConf.structured(EvolveConfig(gate_episodes=5))})
    d = Deployment(cfg, World(HOME, seed=0), Rule(previous), tmp_path, configure(None, []))  # type: ignore[arg-type]
    v1 = d.add(Rule(promoted), 0, "challenger", None)  # type: ignore[arg-type]
    d.promote(v1, "at its gate it played 500 every time", [500.0] * 5)
    return d


def serve_until_probation_ends(d: Deployment) -> None:
    for _ in range(5):
        (ep,) = d.world.play(d.members[d.champion].model, 1, "serve", d.champion, 10**9)
        d.adapt_if_needed(ep)


def test_a_fallen_promotion_goes_back_to_a_champion_that_is_better_now(tmp_path):
    d = deployment(tmp_path, previous="balance", promoted="left")
    serve_until_probation_ends(d)
    assert d.champion == 0
    decision = d.lineage.versions[1].decisions[-1]
    assert decision["decision"] == "rolled_back" and "v0 better" in decision["reason"]
    assert d.service_start[0] == d.world.steps, "its service starts anew after the roll-back gate"
    served = [i for i, e in enumerate(d.world.log.episodes) if e.role == "serve"]
    gated = d.world.log.episodes[served[-1] + 1 :]
    assert len(gated) >= 6 and {e.role for e in gated} == {"gate"}, "both played in the world as it is"
    assert {e.version for e in gated} == {0, 1}


def test_a_fallen_promotion_is_kept_when_the_champion_before_it_is_no_better_now(tmp_path):
    d = deployment(tmp_path, previous="right", promoted="left")
    serve_until_probation_ends(d)
    assert d.champion == 1
    assert d.lineage.versions[1].decisions[-1]["decision"] == "kept"
