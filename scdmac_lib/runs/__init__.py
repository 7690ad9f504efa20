"""Runs: the baselines with their pinned settings, the profiles, run specs, the run cache and the
results archive, the runs each page reads, the workflow's plan and jobs, and the method study."""
