"""Background jobs: the scheduler (scheduler.py), its leader lock (lock.py) and one module
per job (sla_sweep.py). Jobs are just more callers of the domain core: they hold no rules."""
