"""Assembling a generation: load data/ (``sources``), validate, add the derived graphs, write the
store and the exports; the generations on disk; forked build steps and the cycle collector.

Imports every stage below it; nothing below imports it."""
