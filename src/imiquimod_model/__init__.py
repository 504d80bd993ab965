"""How Imiquimod Works: the model package behind the book's explorers."""

__version__ = "0.1.0"
