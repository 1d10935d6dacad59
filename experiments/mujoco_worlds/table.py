"""results.md from the grid CSVs run.sh copies here: each world's contexts as a table (mean
return over 10 deterministic episodes, its standard deviation, and the change against the default
physics), then the Hopper map as a mass.torso x friction table."""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
WORLDS = {"hopper_heavy_torso": ("hopper", "mass.torso", 1.0),
          "hopper_slippery": ("hopper", "friction", 1.0),
          "half_cheetah_gravity_drift": ("half_cheetah", "gravity", 9.81)}


def rows(name: str) -> list[dict]:
    with (HERE / f"{name}.csv").open() as f:
        return list(csv.DictReader(f))


def main() -> None:
    print("# What a champion trained at the defaults scores in each context\n")
    print("PPO, the zoo's table, 300k steps at the default physics, seed 0; 10 deterministic episodes "
          "per context (`bash experiments/mujoco_worlds/run.sh`).\n")
    for world, (env, param, default) in WORLDS.items():
        table = rows(world)
        home = next(float(r["mean_return"]) for r in table if float(r[param]) == default)
        print(f"## {world} (env={env}, {param})\n")
        print(f"| {param} | mean return | std | against {param}={default:g} |\n|---|---|---|---|")
        for r in table:
            mean = float(r["mean_return"])
            print(f"| {float(r[param]):g} | {mean:.1f} | {float(r['std_return']):.1f} | "
                  f"{100 * (mean - home) / abs(home):+.0f}% |")
        print()
    table = rows("hopper_map")
    masses = sorted({float(r["mass.torso"]) for r in table})
    frictions = sorted({float(r["friction"]) for r in table})
    cell = {(float(r["mass.torso"]), float(r["friction"])): float(r["mean_return"]) for r in table}
    print("## Hopper map: mean return over mass.torso (rows) x friction (columns)\n")
    print("| mass.torso \\ friction | " + " | ".join(f"{f:g}" for f in frictions) + " |")
    print("|---|" + "---|" * len(frictions))
    for m in masses:
        print(f"| {m:g} | " + " | ".join(f"{cell[(m, f)]:.0f}" for f in frictions) + " |")
    print("\n![Hopper map](hopper_map.png)")


if __name__ == "__main__":
    main()
