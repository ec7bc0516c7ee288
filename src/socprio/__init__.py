"""socprio: harm-scoring prioritisation of organised crime groups for tasking."""

__version__ = "0.1.0"
