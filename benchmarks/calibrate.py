import sys, time, numpy as np, sim
from sim.params import Parameters
kw = dict(a.split('=') for a in sys.argv[1:])
kw = {k: (int(v) if k=='warning_persistence_weeks' else float(v)) for k,v in kw.items()}
p = Parameters(**kw)
pols=['none','statement','fact_finding','envoy','sanctions','peacekeeping','development']
df = sim.run_ensemble(policies=pols+[sim.Policy('envoy',lag_weeks=26), sim.Policy('statement',lag_weeks=26)], n_replicates=1000, params=p)
g=df.groupby('policy', sort=False)
print(g[['violence','war','relapse','peak_violent','party_weeks_violent','warning_week','arrival_week','onset_week','mediation_successes','cost']].mean().round(3).to_string())
