"""DermAI Desktop: a dermatology clinic workstation."""

__version__ = "0.1.0"
