"""The reconcile loop: observe live Neon, plan changes (pure), execute them.

`planner.plan_changes` is a pure function of (desired fleet, observed fleet, options); only
`executor` mutates Neon. `observe` and `executor` are the imperative shell around it.
"""
