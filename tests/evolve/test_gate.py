"""The gate refuses a worse or equal challenger and promotes a clearly better one."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.evolve.gate import gate, one_sided_p


@pytest.mark.parametrize("test", ["welch", "bootstrap", "paired"])
def test_a_clearly_better_candidate_is_promoted(test):
    rng = np.random.default_rng(0)
    decision = gate(rng.normal(400, 30, 20), rng.normal(200, 30, 20), alpha=0.05, test=test)
    assert decision.promote and decision.p_value < 0.001


@pytest.mark.parametrize("test", ["welch", "bootstrap", "paired"])
def test_a_worse_or_equal_candidate_is_refused(test):
    rng = np.random.default_rng(1)
    champion = rng.normal(300, 30, 20)
    assert not gate(rng.normal(250, 30, 20), champion, test=test).promote
    assert not gate(rng.normal(300, 30, 20), champion, test=test).promote


def test_welch_p_value_matches_the_textbook_formula():
    a, b = np.array([5.0, 6.0, 7.0, 9.0]), np.array([4.0, 5.0, 5.5])
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    from scipy.stats import t as student

    assert one_sided_p(a, b) == pytest.approx(student.sf(t, df))


def test_noise_free_scores_are_decided_by_their_means():
    assert gate([500.0] * 5, [200.0] * 5).promote
    assert not gate([500.0] * 5, [500.0] * 5).promote


def test_the_reason_states_the_means_and_the_test():
    decision = gate([10.0, 11.0, 12.0], [1.0, 2.0, 3.0])
    assert decision.reason.startswith("better: 11.0 vs 2.0, one-sided welch p=")


def test_one_noise_free_episode_against_one_is_never_significant():
    assert one_sided_p([500.0], [10.0]) == 0.5
    assert not gate([500.0], [10.0, 10.0, 10.0]).promote  # 1/4


def test_a_single_candidate_episode_beside_a_spread_is_not_tested():
    assert one_sided_p([500.0], [10.0, 30.0, 20.0]) == 1.0


def test_spent_alpha_over_any_number_of_gates_sums_below_the_family_alpha():
    from rl_evolve.evolve.gate import spent_alpha

    assert spent_alpha(0.05, 1) == pytest.approx(0.05 * 6 / np.pi**2)
    assert sum(spent_alpha(0.05, k) for k in range(1, 100_000)) < 0.05
    with pytest.raises(ValueError):
        spent_alpha(0.05, 0)


def test_family_wise_false_promotions_on_simulated_nulls_stay_below_alpha():
    """30 gates per run between two equally good policies (10 noisy episodes each), 200 runs: a
    run with any false promotion is rarer than 5%, where a fixed 0.05 per gate would make most."""
    from rl_evolve.evolve.gate import spent_alpha

    rng = np.random.default_rng(0)
    spent, fixed = 0, 0
    for _ in range(200):
        ps = [one_sided_p(rng.normal(100, 20, 10), rng.normal(100, 20, 10)) for _ in range(30)]
        spent += any(p < spent_alpha(0.05, k) for k, p in enumerate(ps, 1))
        fixed += any(p < 0.05 for p in ps)
    assert spent / 200 <= 0.05 and fixed / 200 > 0.5


def rounds_from(rng, champion_mean: float, candidate_mean: float, spread: float = 20.0):
    return lambda: (float(rng.normal(champion_mean, spread)), float(rng.normal(candidate_mean, spread)))


def test_a_sequential_gate_stops_early_when_the_gap_is_large():
    from rl_evolve.evolve.gate import sequential_gate

    duel = sequential_gate(rounds_from(np.random.default_rng(0), 20, 400), rounds=10, alpha=0.05)
    assert duel.decision.promote and duel.stopped == "better" and len(duel.candidate) == 3


def test_a_sequential_gate_stops_a_clearly_worse_candidate_without_promoting_it():
    from rl_evolve.evolve.gate import sequential_gate

    duel = sequential_gate(rounds_from(np.random.default_rng(0), 400, 20), rounds=10, alpha=0.05)
    assert not duel.decision.promote and duel.stopped == "futile" and len(duel.candidate) == 3


def test_a_sequential_gate_cut_by_the_budget_promotes_nothing():
    from rl_evolve.evolve.gate import sequential_gate

    played = iter([(10.0, 500.0)])
    duel = sequential_gate(lambda: next(played, None), rounds=10, alpha=0.05)
    assert not duel.decision.promote and duel.stopped == "budget"


def test_sequential_looks_keep_false_promotions_under_alpha_on_simulated_nulls():
    """600 gates between equally good policies, looking after every round from the third: the
    share promoted stays below the gate's alpha."""
    from rl_evolve.evolve.gate import sequential_gate

    rng = np.random.default_rng(1)
    promoted = sum(
        sequential_gate(rounds_from(rng, 100, 100), rounds=10, alpha=0.05).decision.promote
        for _ in range(600)
    )
    assert promoted / 600 <= 0.05


def test_a_non_inferiority_margin_promotes_a_candidate_no_worse_than_it_says():
    from rl_evolve.evolve.gate import sequential_gate

    rng = np.random.default_rng(3)
    strict = sequential_gate(rounds_from(rng, 300, 295, spread=5), rounds=10, alpha=0.05)
    assert not strict.decision.promote
    rng = np.random.default_rng(3)
    lenient = sequential_gate(rounds_from(rng, 300, 295, spread=5), rounds=10, alpha=0.05, margin=30)
    assert lenient.decision.promote and "not worse by more than 30.0" in lenient.decision.reason
    rng = np.random.default_rng(3)
    worse = sequential_gate(rounds_from(rng, 300, 200, spread=5), rounds=10, alpha=0.05, margin=30)
    assert not worse.decision.promote


def test_a_paired_test_sees_a_gap_that_the_starting_states_spread_hides_from_welch():
    """Rounds whose two episodes start alike: the start's spread is common to both sides."""
    rng = np.random.default_rng(4)
    start = rng.normal(0, 300, 10)  # how hard each round's initial state is
    champion, candidate = start + rng.normal(0, 10, 10), start + 40 + rng.normal(0, 10, 10)
    assert one_sided_p(candidate, champion, "welch") > 0.1
    assert one_sided_p(candidate, champion, "paired") < 0.001


def test_paired_differences_without_a_spread_take_the_exact_sign_flip_p():
    assert one_sided_p([2.0, 3.0, 4.0], [1.0, 2.0, 3.0], "paired") == 0.125


def test_samples_of_unequal_size_are_tested_unpaired():
    a, b = [5.0, 6.0, 7.0, 9.0], [4.0, 5.0, 5.5]
    assert one_sided_p(a, b, "paired") == one_sided_p(a, b, "welch")


def test_paired_sequential_looks_keep_false_promotions_under_alpha_on_simulated_nulls():
    from rl_evolve.evolve.gate import sequential_gate

    rng = np.random.default_rng(2)

    def rounds():
        start = rng.normal(0, 200)
        return start + rng.normal(100, 30), start + rng.normal(100, 30)

    promoted = sum(
        sequential_gate(rounds, rounds=10, alpha=0.05, test="paired").decision.promote for _ in range(600)
    )
    assert promoted / 600 <= 0.05


@pytest.mark.parametrize(
    ("gate_test", "unpaired"), [("paired", "welch"), ("welch", "welch"), ("bootstrap", "bootstrap")]
)
def test_samples_that_are_not_rounds_of_a_duel_are_never_tested_as_pairs(gate_test, unpaired):
    """Probation (gate returns against later service), degradation and a takeover's screen compare
    samples of equal size that are not pairs: the paired test would pair them by position."""
    from types import SimpleNamespace

    from rl_evolve.config.schema import GateTest
    from rl_evolve.evolve.promotion import Promotion

    deployment = SimpleNamespace(ev=SimpleNamespace(gate_test=GateTest(gate_test)))
    assert Promotion._unpaired_test.fget(deployment) == unpaired
