"""TF-IDF + logistic regression on the same splits as the LSTM runs, beside their results.

    .venv/bin/python experiments/supervised_bbc/baseline.py runs/supervised_bbc \
        --out experiments/supervised_bbc/results.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from rl_evolve.supervised.datasets import load_bbc_news


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    data = load_bbc_news()
    texts, labels = np.array(data.inputs, dtype=object), data.labels
    rows = []
    for summary_path in sorted(args.runs.rglob("summary.json")):
        run = summary_path.parent
        summary = json.loads(summary_path.read_text())
        splits = {k: np.array(v) for k, v in json.loads((run / "splits.json").read_text()).items()}
        vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2)
        x_train = vectorizer.fit_transform(texts[splits["train"]])
        classifier = LogisticRegression(max_iter=2000, C=10.0).fit(x_train, labels[splits["train"]])
        predicted = classifier.predict(vectorizer.transform(texts[splits["test"]]))
        truth = labels[splits["test"]]
        rows.append(
            {
                "seed": summary["seed"],
                "lstm_test_accuracy": summary["test"]["accuracy"],
                "lstm_test_f1": summary["test"]["f1"],
                "lstm_best_epoch": summary["best_epoch"],
                "tfidf_logreg_test_accuracy": float(accuracy_score(truth, predicted)),
                "tfidf_logreg_test_f1": float(f1_score(truth, predicted, average="macro")),
                "test_size": int(len(truth)),
            }
        )
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    for key in ("lstm_test_accuracy", "lstm_test_f1", "tfidf_logreg_test_accuracy", "tfidf_logreg_test_f1"):
        values = [r[key] for r in rows]
        print(f"{key}: mean {statistics.mean(values):.4f}, min {min(values):.4f}, max {max(values):.4f}")


if __name__ == "__main__":
    main()
