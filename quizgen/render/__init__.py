"""Renderers: Quiz -> files. Each reads only the Quiz record."""
