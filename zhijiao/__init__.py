"""智教 zhijiao — district–school integrated smart education cloud platform."""

__version__ = "0.1.0"
