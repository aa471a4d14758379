"""Assisted micro-analysis: vocal turn-taking proposed from a recording's sound (never decided for the user)."""
