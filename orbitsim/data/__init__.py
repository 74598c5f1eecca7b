"""Data shipped with orbitsim: Natural Earth 1:110m coastlines (public domain)."""
