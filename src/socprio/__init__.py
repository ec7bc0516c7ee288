"""socprio: harm-scoring prioritisation of organised crime groups for tasking.

Use from Python::

    from socprio import assess, load_config
    result = assess("sample_data/ocgs.csv", load_config(None), as_of=date(2026, 11, 23))

The public names are imported on first use, so ``socprio --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Assessment", "Flag", "RejectedRecords", "assess", "load_config"]

if TYPE_CHECKING:
    from socprio.config.load import load_config
    from socprio.core.flags import Flag
    from socprio.pipeline.assess import RejectedRecords, assess
    from socprio.pipeline.result import Assessment

_HOMES = {
    "Assessment": "socprio.pipeline.result",
    "Flag": "socprio.core.flags",
    "RejectedRecords": "socprio.pipeline.assess",
    "assess": "socprio.pipeline.assess",
    "load_config": "socprio.config.load",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'socprio' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
