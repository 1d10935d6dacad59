"""The sections of ``rl-evolve-report``, one per kind of run (the ``task`` in its summary).

A section is a module with ``KIND`` (the task whose completed runs it reads), ``load(folder,
summary)`` (one run's data), ``aggregate(runs)`` (its statistics, into ``report.json``),
``write(report, runs, out)`` (its CSVs and plots) and ``markdown(report, out)`` (its part of
``report.md``). A new kind of run gets a new module here, listed below."""

from rl_evolve.report.sections import curriculum, evaluations, evolve, supervised, sweep

SECTIONS = {
    "sweep": sweep,
    "curriculum": curriculum,
    "evolve": evolve,
    "supervised": supervised,
    "evaluations": evaluations,
}
