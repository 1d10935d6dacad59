"""results.md from the grid CSVs run.sh copies here: each world's contexts as a table (mean
return over 10 deterministic episodes, its standard deviation, and the change against the default
physics), then the Hopper map as a mass.torso x friction table."""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
WORLDS = {
    "hopper_heavy_torso": ("hopper, PPO", "mass.torso", 1.0),
    "hopper_slippery": ("hopper, PPO", "friction", 1.0),
    "hopper_sac_heavy_torso": ("hopper, SAC", "mass.torso", 1.0),
    "hopper_sac_slippery": ("hopper, SAC", "friction", 1.0),
    "half_cheetah_gravity_drift": ("half_cheetah, PPO", "gravity", 9.81),
}
MAPS = {"hopper_map": "PPO", "hopper_sac_map": "SAC"}


def rows(name: str) -> list[dict]:
    with (HERE / f"{name}.csv").open() as f:
        return list(csv.DictReader(f))


def main() -> None:
    print("# What a champion trained at the defaults scores in each context\n")
    print(
        "Champions trained at the default physics with the zoo's tables, seed 0: PPO 300k steps (Hopper, "
        "HalfCheetah), SAC 200k steps (Hopper); 10 deterministic episodes per context "
        "(`bash experiments/mujoco_worlds/run.sh`).\n"
    )
    for world, (env, param, default) in WORLDS.items():
        table = rows(world)
        home = next(float(r["mean_return"]) for r in table if float(r[param]) == default)
        print(f"## {world} ({env}, {param})\n")
        print(f"| {param} | mean return | std | against {param}={default:g} |\n|---|---|---|---|")
        for r in table:
            mean = float(r["mean_return"])
            print(
                f"| {float(r[param]):g} | {mean:.1f} | {float(r['std_return']):.1f} | "
                f"{100 * (mean - home) / abs(home):+.0f}% |"
            )
        print()
    for name, algo in MAPS.items():
        table = rows(name)
        masses = sorted({float(r["mass.torso"]) for r in table})
        frictions = sorted({float(r["friction"]) for r in table})
        cell = {(float(r["mass.torso"]), float(r["friction"])): float(r["mean_return"]) for r in table}
        print(f"## Hopper map, {algo}: mean return over mass.torso (rows) x friction (columns)\n")
        print("| mass.torso \\ friction | " + " | ".join(f"{f:g}" for f in frictions) + " |")
        print("|---|" + "---|" * len(frictions))
        for m in masses:
            print(f"| {m:g} | " + " | ".join(f"{cell[(m, f)]:.0f}" for f in frictions) + " |")
        print(f"\n![Hopper map, {algo}]({name}.png)\n")


if __name__ == "__main__":
    main()
