"""The upgrade path: the smallest plan (by a documented order) whose limits fit the projection."""

from __future__ import annotations

import random
from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from controller.spec.model import PricingPlan
from controller.usage.upgrade import SIZE_ORDER, UpgradePath, fits, size_key, upgrade_path
from tests.usage.builders import GB, HOUR, GiB, plan, plans

FREE = plan("free", storage=512 * 1024**2, compute_time=100 * HOUR, data_transfer=5 * GB)
PRO = plan("pro", storage=10 * GiB, compute_time=300 * HOUR, data_transfer=50 * GiB)
ENTERPRISE = plan("enterprise", storage=500 * GiB, data_transfer=1024 * GiB)
EXAMPLE = plans(ENTERPRISE, FREE, PRO)  # deliberately not in size order


def use(**amounts: int) -> dict[str, int]:
    return dict.fromkeys(SIZE_ORDER, 0) | amounts


def test_the_lowest_nested_plan_that_fits_is_chosen_whatever_the_names() -> None:
    assert upgrade_path(EXAMPLE, use(compute_time=90 * HOUR), "free") == UpgradePath("free", True)
    assert upgrade_path(EXAMPLE, use(compute_time=150 * HOUR), "free") == UpgradePath("pro")
    assert upgrade_path(EXAMPLE, use(compute_time=450 * HOUR), "pro") == UpgradePath("enterprise")


def test_a_limit_reached_exactly_does_not_fit() -> None:
    assert not fits(PRO.limits(), use(compute_time=300 * HOUR))
    assert fits(PRO.limits(), use(compute_time=300 * HOUR - 1))
    assert upgrade_path(EXAMPLE, use(compute_time=300 * HOUR), "pro") == UpgradePath("enterprise")


def test_a_plan_below_the_tenants_own_is_never_offered() -> None:
    # An enterprise tenant at warning under its own tight override: free would fit, but the
    # answer is its own plan, not a downgrade.
    assert upgrade_path(EXAMPLE, use(data_transfer=GB), "enterprise") == UpgradePath(
        "enterprise", True
    )
    assert upgrade_path(EXAMPLE, use(data_transfer=GB), "pro") == UpgradePath("pro", True)
    assert upgrade_path(EXAMPLE, use(data_transfer=GB), "free") == UpgradePath("free", True)


def test_no_plan_fits_when_every_plan_caps_below_the_projection() -> None:
    assert upgrade_path(EXAMPLE, use(storage=600 * GiB), "pro") == UpgradePath(None)


def test_fewer_unlimited_limits_make_a_smaller_plan() -> None:
    capped = plan("capped", storage=1000 * GiB, compute_time=10_000 * HOUR)
    open_compute = plan("open-compute", storage=20 * GiB)  # no compute cap: ranks above
    choice = upgrade_path(plans(open_compute, capped), use(compute_time=400 * HOUR), "x")
    assert choice == UpgradePath("capped")


def test_between_plans_that_do_not_nest_the_fixed_metric_order_decides() -> None:
    # Same number of caps; storage is compared first, so the smaller storage wins.
    more_storage = plan("more-storage", storage=20 * GiB, compute_time=100 * HOUR)
    more_compute = plan("more-compute", storage=10 * GiB, compute_time=900 * HOUR)
    choice = upgrade_path(plans(more_storage, more_compute), use(storage=GiB), "x")
    assert choice == UpgradePath("more-compute")


def test_equal_plans_are_told_apart_by_name() -> None:
    twins = plans(plan("b-plan", storage=GiB), plan("a-plan", storage=GiB))
    assert upgrade_path(twins, use(), "x") == UpgradePath("a-plan")


# -- properties --------------------------------------------------------------------------------

limits = st.one_of(st.none(), st.integers(min_value=1, max_value=1000))


@st.composite
def plan_sets(draw: st.DrawFn) -> Mapping[str, PricingPlan]:
    count = draw(st.integers(min_value=1, max_value=6))
    made = [
        plan(f"plan-{index}", **{name: draw(limits) for name in SIZE_ORDER})
        for index in range(count)
    ]
    return plans(*draw(st.permutations(made)))


projections = st.fixed_dictionaries(
    {name: st.integers(min_value=0, max_value=1100) for name in SIZE_ORDER}
)


def _at_most(smaller: PricingPlan, larger: PricingPlan) -> bool:
    """Every limit of `smaller` is at most the same limit of `larger` (None: no limit)."""
    a, b = smaller.limits(), larger.limits()
    return all(_le(a[name], b[name]) for name in SIZE_ORDER)


def _le(small: int | None, large: int | None) -> bool:
    if large is None:
        return True
    return small is not None and small <= large


@given(plan_sets(), projections)
def test_the_choice_fits_and_no_fitting_plan_is_strictly_below_it(
    offered: Mapping[str, PricingPlan], projected: dict[str, int]
) -> None:
    choice = upgrade_path(offered, projected, "plan-0")
    current = size_key(offered["plan-0"])
    fitting = [
        p for p in offered.values() if fits(p.limits(), projected) and size_key(p) >= current
    ]
    if choice.plan is None:
        assert fitting == []
        return
    chosen = offered[choice.plan]
    assert fits(chosen.limits(), projected)
    assert size_key(chosen) >= current  # never a downgrade
    for other in fitting:
        if _at_most(other, chosen) and other.limits() != chosen.limits():
            raise AssertionError(f"{other.name} fits and is below {chosen.name}")
    assert choice.is_current == (choice.plan == "plan-0")


@given(plan_sets(), projections, st.randoms())
def test_the_choice_does_not_depend_on_the_order_plans_are_listed_in(
    offered: Mapping[str, PricingPlan], projected: dict[str, int], rng: random.Random
) -> None:
    shuffled = list(offered.values())
    rng.shuffle(shuffled)
    assert upgrade_path(plans(*shuffled), projected, "x") == upgrade_path(offered, projected, "x")


@given(plan_sets())
def test_the_size_order_extends_dominance(offered: Mapping[str, PricingPlan]) -> None:
    for a in offered.values():
        for b in offered.values():
            if _at_most(a, b) and a.limits() != b.limits():
                assert size_key(a) < size_key(b)
