"""r2pgraph: a linked-data knowledge graph of how states implement the Responsibility to Protect."""

__version__ = "0.1.0"
