"""Monte Carlo rank uncertainty: closed forms, reproducibility, bootstrap, ties, notes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm

from scoring.montecarlo import (
    RankSimulation,
    draw_changes,
    published_changes,
    rank_band_note,
    simulate_ranks,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference" / "dti_public_results.csv"


def within(p_hat: float, p: float, n: int, k: float = 3.0) -> bool:
    se = np.sqrt(p * (1 - p) / n)
    return abs(p_hat - p) <= k * se + 1e-12


# --- closed forms -------------------------------------------------------------------------------

@pytest.mark.parametrize("F,B,sd", [(500.0, 490.0, 20.0), (500.0, 520.0, 15.0), (300.0, 300.5, 40.0)])
def test_one_competitor_matches_normal_cdf(F, B, sd):
    n = 20_000
    sim = simulate_ranks(pd.Series({"focus": F, "other": B}), "focus", n_draws=n, seed=1, sd=sd)
    p = norm.cdf((F - B) / sd)  # P(B + X <= F)
    assert within(sim.p_top(1), p, n)
    assert sim.p_top(2) == 1.0
    assert set(np.unique(sim.ranks)) <= {1, 2}


def test_k_identical_competitors_rank_one_is_phi_power_k():
    n, k, F, B, sd = 20_000, 5, 500.0, 490.0, 20.0
    base = pd.Series({"focus": F, **{f"c{i}": B for i in range(k)}})
    sim = simulate_ranks(base, "focus", n_draws=n, seed=2, sd=sd)
    p = norm.cdf((F - B) / sd) ** k
    assert within(sim.p_top(1), p, n)


def test_rank_tail_matches_binomial():
    n, k, F, B, sd = 20_000, 8, 500.0, 495.0, 25.0
    base = pd.Series({"focus": F, **{f"c{i}": B for i in range(k)}})
    sim = simulate_ranks(base, "focus", n_draws=n, seed=3, sd=sd)
    q = 1 - norm.cdf((F - B) / sd)  # each competitor finishes above with probability q
    for r in range(1, k + 2):
        p = binom.cdf(r - 1, k, q)  # rank <= r  <=>  at most r-1 competitors above
        assert within(sim.p_top(r), p, n), (r, sim.p_top(r), p)
    dist = sim.distribution()
    assert dist["probability"].sum() == pytest.approx(1.0)
    assert dist["cumulative"].iloc[-1] == pytest.approx(1.0)
    expected = binom.pmf(dist["rank"].to_numpy() - 1, k, q)
    assert np.all(np.abs(dist["probability"].to_numpy() - expected) < 3 * np.sqrt(expected * (1 - expected) / n) + 1e-12)


def test_focus_not_fixed_symmetric_is_a_coin_flip():
    n = 20_000
    sim = simulate_ranks(pd.Series({"a": 600.0, "b": 600.0}), "a", n_draws=n, seed=4, sd=30, focus_fixed=False)
    assert within(sim.p_top(1), 0.5, n)


def test_mean_shift_of_others_only():
    # Others drift up by `mean` while the focus stays: P(rank 1) = Φ((F − B − mean)/sd).
    n, F, B, m, sd = 20_000, 500.0, 480.0, 10.0, 20.0
    sim = simulate_ranks(pd.Series({"f": F, "o": B}), "f", n_draws=n, seed=5, mean=m, sd=sd)
    assert within(sim.p_top(1), norm.cdf((F - B - m) / sd), n)


# --- reproducibility ----------------------------------------------------------------------------

def test_same_seed_same_ranks_different_seed_different():
    base = pd.Series(np.linspace(600, 700, 34), index=[f"E{i}" for i in range(34)])
    a = simulate_ranks(base, "E17", seed=11)
    b = simulate_ranks(base, "E17", seed=11)
    c = simulate_ranks(base, "E17", seed=12)
    assert a.n_draws == 10_000
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert not np.array_equal(a.ranks, c.ranks)
    d = simulate_ranks(base, "E17", seed=11, method="bootstrap", changes=[-20, 0, 15, 40])
    e = simulate_ranks(base, "E17", seed=11, method="bootstrap", changes=[-20, 0, 15, 40])
    np.testing.assert_array_equal(d.ranks, e.ranks)


def test_blocks_do_not_change_the_answer_shape():
    # Many entities: processed in row blocks; still one rank per draw within 1..n_entities.
    base = pd.Series(np.linspace(0, 1000, 3000), index=[f"E{i}" for i in range(3000)])
    sim = simulate_ranks(base, "E1500", n_draws=2_000, seed=0)
    assert sim.ranks.shape == (2_000,)
    assert sim.ranks.min() >= 1 and sim.ranks.max() <= 3000
    assert sim.n_entities == 3000


# --- bootstrap ----------------------------------------------------------------------------------

def test_bootstrap_draws_only_given_changes():
    changes = np.array([-30.0, 0.0, 12.5, 50.0])
    draws = draw_changes(np.random.default_rng(0), (5_000, 7), method="bootstrap", changes=changes)
    assert draws.shape == (5_000, 7)
    assert np.isin(draws, changes).all()
    assert set(np.unique(draws)) == set(changes)  # and every value gets used


def test_bootstrap_ranks_follow_the_changes():
    # Competitor at 500 with changes {-30, 0, 50}; focus at 525: above only when +50 is drawn.
    n = 30_000
    sim = simulate_ranks(pd.Series({"f": 525.0, "o": 500.0}), "f", n_draws=n, seed=6,
                         method="bootstrap", changes=[-30.0, 0.0, 50.0])
    assert within(sim.p_top(1), 2 / 3, n)
    # Focus at 499: the competitor is above after 0 or +50, so rank 1 only after −30.
    sim2 = simulate_ranks(pd.Series({"f": 499.0, "o": 500.0}), "f", n_draws=n, seed=6,
                          method="bootstrap", changes=[-30.0, 0.0, 50.0])
    assert within(sim2.p_top(1), 1 / 3, n)


def test_bootstrap_center_removes_drift():
    changes = np.array([90.0, 210.0, 141.9])
    sim = simulate_ranks(pd.Series({"f": 500.0, "o": 500.0}), "f", n_draws=2_000, seed=0,
                         method="bootstrap", changes=changes)
    assert sim.p_top(1) == 0.0  # every change is positive: the fixed focus always falls behind
    centred = simulate_ranks(pd.Series({"f": 500.0, "o": 500.0}), "f", n_draws=2_000, seed=0,
                             method="bootstrap", changes=changes, center=True)
    assert 0.0 < centred.p_top(1) < 1.0


def test_bootstrap_needs_changes():
    with pytest.raises(ValueError):
        simulate_ranks(pd.Series({"f": 1.0, "o": 2.0}), "f", method="bootstrap")
    with pytest.raises(ValueError):
        simulate_ranks(pd.Series({"f": 1.0, "o": 2.0}), "f", method="bootstrap", changes=[])
    with pytest.raises(ValueError):
        simulate_ranks(pd.Series({"f": 1.0, "o": 2.0}), "f", method="poisson")


# --- ties, clipping ------------------------------------------------------------------------------

def test_exact_tie_shares_the_better_rank():
    sim = simulate_ranks(pd.Series({"f": 700.0, "o": 700.0}), "f", n_draws=1_000, sd=0.0)
    assert (sim.ranks == 1).all()
    assert sim.base_rank == 1


def test_float_noise_tie_and_competition_ranking():
    # 700.1 + 0.2 != 700.3 in floating point, but they tie after rounding (as in the engine).
    base = pd.Series({"top": 800.0, "f": 700.3, "o": 700.1 + 0.2, "low": 600.0})
    sim = simulate_ranks(base, "f", n_draws=100, sd=0.0)
    assert (sim.ranks == 2).all()
    # The tied competitor's view: it also gets rank 2 (1, 2, 2, 4).
    assert (simulate_ranks(base, "o", n_draws=10, sd=0.0).ranks == 2).all()
    assert (simulate_ranks(base, "low", n_draws=10, sd=0.0).ranks == 4).all()


def test_points_are_clipped_to_the_maximum():
    # Competitor at the maximum can never exceed a focus at the maximum: ties at 1000.
    sim = simulate_ranks(pd.Series({"f": 1000.0, "o": 1000.0}), "f", n_draws=5_000, seed=0, sd=100.0)
    assert (sim.ranks == 1).all()
    sim = simulate_ranks(pd.Series({"f": 0.0, "o": 0.0}), "f", n_draws=5_000, seed=0, sd=100.0,
                         max_total=100.0)
    assert within(sim.p_top(1), 0.5, 5_000)


def test_focus_points_override_and_missing_entities():
    base = pd.Series({"a": 800.0, "b": 700.0, "c": np.nan})
    sim = simulate_ranks(base, "new", focus_points=750.0, n_draws=100, sd=0.0)
    assert (sim.ranks == 2).all() and sim.n_entities == 3  # NaN entity is left out
    sim = simulate_ranks(base, "b", focus_points=900.0, n_draws=100, sd=0.0)
    assert (sim.ranks == 1).all()
    with pytest.raises(KeyError):
        simulate_ranks(base, "new")


# --- summaries -----------------------------------------------------------------------------------

def test_band_quantiles_and_competitors():
    base = pd.Series({"f": 500.0, "near_up": 503.0, "near_down": 497.0, "far_up": 700.0, "far_down": 300.0})
    sim = simulate_ranks(base, "f", n_draws=20_000, seed=7, sd=20.0)
    best, worst = sim.band(0.8)
    assert 1 <= best <= sim.median_rank <= worst <= 5
    assert best == sim.quantile(0.1) and worst == sim.quantile(0.9)
    comp = sim.competitors(k=3)
    assert list(comp.columns) == ["entity", "p_above", "base_points", "gap"]
    assert set(comp["entity"]) == {"near_up", "near_down", "far_up"} or set(comp["entity"]) == {"near_up", "near_down", "far_down"}
    assert set(comp["entity"].iloc[:2]) == {"near_up", "near_down"}
    assert comp.loc[comp["entity"] == "near_up", "gap"].item() == pytest.approx(3.0)
    assert within(comp.loc[comp["entity"] == "near_up", "p_above"].item(), 1 - norm.cdf(-3 / 20), 20_000)
    keys = (comp["p_above"] - 0.5).abs().to_numpy()
    assert np.all(np.diff(keys) >= 0)
    # The expected rank is 1 + Σ P(above).
    all_comp = sim.competitors(k=10)
    assert sim.mean_rank == pytest.approx(1 + all_comp["p_above"].sum())


def test_note_example_vi_en():
    sim = RankSimulation(focus="Gia Lai", ranks=np.repeat([25, 26, 27, 28, 29], 200), base_rank=27)
    assert sim.band(0.8) == (25, 29)
    assert rank_band_note(sim, "vi") == ("Hạng 27 có thể dao động trong khoảng 25–29; "
                                         "thay đổi 1–2 bậc nằm trong mức nhiễu.")
    assert rank_band_note(sim, "en") == ("Rank 27 could range from 25 to 29; "
                                         "a change of 1–2 places is within the noise.")


def test_note_stable_and_shift():
    stable = RankSimulation(focus="x", ranks=np.full(1000, 3), base_rank=3)
    assert "ổn định" in rank_band_note(stable, "vi")
    assert "stable" in rank_band_note(stable, "en")
    narrow = RankSimulation(focus="x", ranks=np.repeat([3, 4], 500), base_rank=3)
    assert "ổn định" in rank_band_note(narrow, "vi") and "3–4" in rank_band_note(narrow, "vi")
    drift = RankSimulation(focus="x", ranks=np.repeat([31, 32, 33, 34], 250), base_rank=27)
    assert "chuyển sang" in rank_band_note(drift, "vi")
    assert "move to 31–34" in rank_band_note(drift, "en")


# --- published changes ---------------------------------------------------------------------------

def test_published_changes_on_reference_file():
    changes = published_changes(pd.read_csv(REFERENCE))
    assert changes.size > 0
    assert np.isfinite(changes).all()
    assert np.all(np.abs(changes) < 1)  # 0–1 scale
    # Usable as bootstrap changes in points.
    sim = simulate_ranks(pd.Series({"f": 600.0, "o": 600.0}), "f", n_draws=1_000, method="bootstrap",
                         changes=changes * 1000, focus_fixed=False)
    assert sim.ranks.min() >= 1


def test_published_changes_pairs_only_consecutive_same_group():
    df = pd.DataFrame({
        "year": [2020, 2021, 2023, 2021, 2022, 2024, 2024, 2022],
        "entity": ["A", "A", "A", "B", "B", "C", "C", "D"],
        "entity_group": [63, 63, 63, 63, 34, 63, 34, 63],
        "total_value": [0.30, 0.40, 0.90, 0.5, 0.6, 0.7, 0.8, np.nan],
    })
    np.testing.assert_allclose(published_changes(df), [0.10])
