"""Ranking: fusion of the signals (pure functions chosen by name), question intent, highlight sentences."""
