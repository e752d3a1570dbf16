"""The teaching app: a Solara page on Mesa's SolaraViz (``make app`` or ``python -m sim.app``).

The page shows one replicate of a scenario on its network, with controls for the action, the
decision lag, the warning quality, the unity of the response, the mechanism switches and the
seed; the same replicate without the action beside it; and the ensemble curve P(violence)
against the decision lag. See docs/teaching.md.

Modules: :mod:`sim.app.settings` (config schema and controls; no solara),
:mod:`sim.app.teaching` (the model the page steps), :mod:`sim.app.explain` (why a party moved),
:mod:`sim.app.curve` (the ensemble curve), :mod:`sim.app.views` and :mod:`sim.app.page` (the
Solara components), :mod:`sim.app.__main__` (the Hydra entry point and the server).

``import sim`` does not import this package; ``import sim.app`` imports nothing heavy either.
"""
