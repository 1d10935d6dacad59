"""Continual-learning metrics over a curriculum, after Continual World (Wolczyk et al. 2021).

Returns are first normalised per task to [0, 1] between a uniformly random policy's return (0)
and the task's best known return (1). With ``R[i][j]`` the normalised evaluation on task ``j``
after finishing stage ``i``:

- average performance: ``mean_j R[-1][j]``;
- forgetting of task ``j``: ``R[j][j] - R[-1][j]`` (its own stage's end minus the run's end),
  where each row of ``R`` is a fresh evaluation of every task at the end of a stage
  (``curriculum.final_eval_episodes``), not the evaluation that ended the stage;
- AUC of stage ``i``: the mean of the normalised curve on task ``i`` over the stage's budget,
  linearly interpolated between evaluations and held at its last value after an early advance;
- forward transfer of stage ``i``: ``(AUC_i - AUC_i_scratch) / (1 - AUC_i_scratch)`` (NaN when
  scratch's AUC is 1), reported with the raw difference ``AUC_i - AUC_i_scratch``;
- jumpstart of stage ``i``: the normalised return at the stage's start, minus scratch's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def average_performance(matrix: Sequence[Sequence[float]]) -> float:
    return float(np.mean(matrix[-1]))


def forgetting(matrix: Sequence[Sequence[float]]) -> list[float]:
    """Per task, its performance at the end of its own stage minus at the end of training."""
    r = np.asarray(matrix, dtype=float)
    return [float(r[j, j] - r[-1, j]) for j in range(r.shape[1])]


def stage_auc(steps: Sequence[float], values: Sequence[float], budget: float) -> float:
    """Area under a normalised curve over ``[0, budget]`` divided by ``budget``.

    ``steps`` are stage-relative evaluation steps starting at 0; after the last evaluation the
    curve keeps its last value (the stage advanced early because it reached its threshold).
    """
    x = np.append(np.asarray(steps, dtype=float), budget)
    y = np.append(np.asarray(values, dtype=float), values[-1])
    keep = x <= budget
    x, y = x[keep], y[keep]
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2) / budget)


def forward_transfer(auc: float, auc_scratch: float) -> float:
    """How much of the room scratch leaves (``1 - AUC_scratch``) transfer took: 1 at best, 0 for
    no gain, unbounded below when scratch leaves little room (so reports give the median and
    IQM and the raw ``auc - auc_scratch`` beside the mean). NaN where scratch leaves no room:
    there the raw difference alone says whether transfer hurt."""
    if auc_scratch >= 1.0:
        return float("nan")
    return (auc - auc_scratch) / (1.0 - auc_scratch)


def heatmap(matrix: Sequence[Sequence[float]], tasks: Sequence[str], path: str, title: str = "") -> None:
    """``R`` as a PNG: rows are 'after stage i', columns 'evaluated on task j'."""
    from rl_evolve.tracking.figures import pyplot, save_figure

    plt = pyplot()

    r = np.asarray(matrix, dtype=float)
    fig, ax = plt.subplots(figsize=(1.2 * len(tasks) + 2.5, 1.0 * len(tasks) + 1.5))
    image = ax.imshow(r, vmin=0.0, vmax=1.0, cmap="viridis")
    ax.set_xticks(range(len(tasks)), tasks, rotation=30, ha="right")
    ax.set_yticks(range(len(tasks)), [f"after {t}" for t in tasks])
    ax.set_xlabel("evaluated on task")
    for i in range(r.shape[0]):
        for j in range(r.shape[1]):
            ax.text(
                j, i, f"{r[i, j]:.2f}", ha="center", va="center", color="white" if r[i, j] < 0.5 else "black"
            )
    fig.colorbar(image, ax=ax, label="normalised return")
    ax.set_title(title or "R[i][j]")
    save_figure(fig, path)
