"""Classification metrics (scikit-learn's) and a confusion-matrix figure for TensorBoard."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# scikit-learn is imported where it is used: it takes seconds to import (`python -X importtime -c
# "import sklearn.metrics"`), and what loads the core without classifying (task=evolve's world
# model) should not pay for it.


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict[str, float]:
    """Accuracy and macro precision, recall and F1 over all ``n_classes`` labels."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=np.arange(n_classes), average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def confusion_figure(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]):
    """A matplotlib figure of the confusion matrix (rows: true class, columns: predicted)."""
    from rl_evolve.tracking.figures import pyplot

    plt = pyplot()
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(len(class_names)))
    fig, ax = plt.subplots(figsize=(1 + 0.6 * len(class_names),) * 2)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(class_names)), class_names, rotation=90)
    ax.set_yticks(range(len(class_names)), class_names)
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    return fig
