"""Data shipped with orbitsim: Natural Earth 1:110m coastlines and country polygons (public
domain)."""
