"""Evaluation: clustering metrics, paired statistics, and the stage-by-stage diagnosis of a fit."""
