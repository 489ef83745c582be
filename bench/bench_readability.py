"""Flesch-Douma of every Dutch page text and message template (B1 target: at least 60)."""

from __future__ import annotations

from bench.readability import main

__all__ = ["main"]
