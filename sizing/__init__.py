"""Sizing domain: body estimation from little input, size matching, and learning from returns."""
