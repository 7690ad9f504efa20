"""The report: the paper's reported values, ours beside them, and the claims with computed verdicts."""
