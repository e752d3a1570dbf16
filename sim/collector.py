"""Mesa's DataCollector for :class:`sim.model.EscalationModel`, reading the named arrays at once.

Mesa's own :class:`mesa.datacollection.DataCollector` calls one reporter per model variable and
one per party per variable, and deep-copies every value: about 80 us a week on the default
region, four times the kernel step. :class:`ArrayCollector` keeps its interface (``model_vars``,
``get_model_vars_dataframe()``, ``get_agenttype_vars_dataframe(Party)``, tables) and its frames,
value for value (tested against Mesa's collector), but takes the model variables in one read of
the run record (:meth:`EscalationModel.reporter_values`) and each party variable as one copy of
its array.

Example:
    >>> from sim.model import EscalationModel
    >>> from sim.agents import Party
    >>> m = EscalationModel(seed=1, horizon_weeks=5)   # collects with an ArrayCollector
    >>> m.run_model()
    >>> m.datacollector.get_model_vars_dataframe().shape
    (6, 16)
    >>> m.datacollector.get_agenttype_vars_dataframe(Party).loc[5.0, 1]["stage"]   # week 5, party 0
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from mesa.datacollection import DataCollector

from .agents import Party

if TYPE_CHECKING:
    from .model import EscalationModel

__all__ = ["ArrayCollector"]

#: The dtype of a party variable in the frames (Mesa's collector stores Python ints and floats).
_FRAME_DTYPE = {"i": np.int64, "u": np.int64, "b": np.bool_, "f": np.float64}


class _PartyRecords(Mapping):
    """Mesa's ``_agenttype_records`` (time -> {Party: [(time, id, *values), ...]}) made on
    demand from the stored arrays, for Mesa code that reads it (``mesa.batch_run``)."""

    def __init__(self, collector: ArrayCollector) -> None:
        self._collector = collector

    def __getitem__(self, time: float) -> dict[type, list[tuple]]:
        c = self._collector
        k = c._party_times.index(time)  # ValueError -> KeyError below
        rows = zip(*(column.tolist() for column in c._party_rows[k]), strict=True)
        ids = c._party_ids.tolist()
        return {Party: [(time, i, *values) for i, values in zip(ids, rows, strict=True)]}

    def get(self, time, default=None):
        return self[time] if time in self._collector._party_times else default

    def __iter__(self) -> Iterator[float]:
        return iter(self._collector._party_times)

    def __len__(self) -> int:
        return len(self._collector._party_times)


class ArrayCollector(DataCollector):
    """Collects ``model_reporters`` (names of :class:`EscalationModel` attributes) and
    ``party_reporters`` (names of party arrays in ``model.state.party``, which are also
    :class:`sim.agents.Party` attributes) once per call of :meth:`collect`."""

    def __init__(self, model_reporters: Sequence[str], party_reporters: Sequence[str]) -> None:
        super().__init__(
            model_reporters={name: name for name in model_reporters},
            agenttype_reporters={Party: {name: name for name in party_reporters}},
        )
        self._party_names = tuple(party_reporters)
        self._party_times: list[float] = []
        self._party_rows: list[tuple[np.ndarray, ...]] = []
        self._party_ids: np.ndarray | None = None
        self._agenttype_records = _PartyRecords(self)

    def collect(self, model: EscalationModel) -> None:
        """One row of model variables and one row per party, as of now."""
        if hasattr(self, "_collection_steps"):  # Mesa's record of the collected times
            self._collection_steps.append(model.time)
        values = model.reporter_values(self.model_reporters)
        for name, value in values.items():
            self.model_vars[name].append(value)
        party = model.state.party
        if self._party_ids is None:
            self._party_ids = np.array([agent.unique_id for agent in model.parties])
        self._party_times.append(model.time)
        self._party_rows.append(tuple(getattr(party, name).copy() for name in self._party_names))

    def get_agenttype_vars_dataframe(self, agent_type) -> pd.DataFrame:
        """Mesa's frame for ``Party`` (index ``Step``, ``AgentID``; one column per variable);
        other agent types as Mesa gives them (no reporters: an empty frame)."""
        if agent_type is not Party:
            return super().get_agenttype_vars_dataframe(agent_type)
        if not self._party_rows:
            index = pd.MultiIndex.from_arrays([[], []], names=["Step", "AgentID"])
            return pd.DataFrame(columns=list(self._party_names), index=index)
        n_parties = self._party_ids.shape[0]
        steps = np.repeat(np.asarray(self._party_times, dtype=np.float64), n_parties)
        agent_ids = np.tile(self._party_ids, len(self._party_rows))
        columns = {}
        for k, name in enumerate(self._party_names):
            stacked = np.concatenate([row[k] for row in self._party_rows])
            columns[name] = stacked.astype(_FRAME_DTYPE[stacked.dtype.kind])
        index = pd.MultiIndex.from_arrays([steps, agent_ids], names=["Step", "AgentID"])
        return pd.DataFrame(columns, index=index)
