"""Catalog domain: merchants, products, variants, size charts, fit feedback and their storage."""
