"""Learners: every one a scikit-learn regressor (``fit(X, y) -> self``, ``predict(X)``)."""

from __future__ import annotations

__all__: list[str] = []
