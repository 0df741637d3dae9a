"""Controller mode (`tenantctl run`): the observe / plan / execute core, in a loop.

Each cycle fetches a source (`source`), loads and validates the revision, plans and applies it
through `core` (the only module here that calls the core), and records the result (`memory`)
for the HTTP endpoints (`http`, `status`), the metrics (`metrics`, `neon_meter`) and the
notifications (`events`, `notify`). The rules (full plan or idle, readiness, which events to
send) are pure functions in `decisions`; `cycle` runs one cycle, `runner` the process.
See docs/controller.md.
"""
