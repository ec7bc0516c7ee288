"""Why each group moved between two runs: data, an override, the config, or others moving.

Pure and vectorised: arrays in, one cause text per row out (a loop runs over factors, rules
and the three reported factors, never over groups). Also the config summary a run keeps so a
later comparison can say what changed in the config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from socprio.config.models import Config

TOP_FACTORS = 3
OTHERS = "others moved"

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
TextArray = npt.NDArray[np.object_]


def config_summary(cfg: Config) -> dict[str, Any]:
    """What a comparison needs to say how two configs differ: effective weight per factor,
    band thresholds (lower bound per band), sub-band letters and each override rule."""
    return {
        "weights": {k: round(float(v), 6) for k, v in sorted(cfg.effective_weights.items())},
        "bands": {str(b.band): float(b.min) for b in cfg.bands},
        "sub_bands": list(cfg.sub_bands),
        "rules": {
            r.id: f"{r.factor} {r.op.value} {str(r.value).lower()} -> band {r.min_band}"
            for r in cfg.overrides
        },
        "factors": sorted(cfg.factors),
    }


def config_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """Plain-English lines naming what differs between two config summaries (weights, bands,
    rules, factors); one line saying the detail is unknown when a side kept no summary."""
    if not old or not new:
        return ["the earlier run kept no config summary, so what changed is not known"]
    out: list[str] = []
    labels = {"weights": "weight", "bands": "band", "rules": "rule", "factors": "factor"}
    for key, label in labels.items():
        a, b = old.get(key) or {}, new.get(key) or {}
        if isinstance(a, list) or isinstance(b, list):
            a, b = dict.fromkeys(a or [], ""), dict.fromkeys(b or [], "")
        for name in sorted(set(a) | set(b)):
            if name not in a:
                out.append(f"{label} {name} added" + (f" ({b[name]})" if b[name] != "" else ""))
            elif name not in b:
                out.append(f"{label} {name} removed")
            elif a[name] != b[name]:
                out.append(f"{label} {name}: {_show(key, a[name])} -> {_show(key, b[name])}")
    if old.get("sub_bands") != new.get("sub_bands"):
        out.append(f"sub-bands: {old.get('sub_bands')} -> {new.get('sub_bands')}")
    return out


def _show(key: str, value: Any) -> str:
    """A summary value as printed: weights as percentages, band minimums as numbers."""
    if key == "weights" and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    return str(value)


def attribute(
    delta: FloatArray,
    data_changed: BoolArray | None,
    started: BoolArray,
    stopped: BoolArray,
    *,
    factors: Sequence[str],
    rules: Sequence[str],
    config_changed: bool,
) -> TextArray:
    """One cause per row, the first that holds:

    ``override R started`` / ``override R stopped`` (rule ids ';'-joined) when a rule began or
    ceased to hold; ``data: f +d.dd, ...`` (up to three factors whose input changed, largest
    points change first); ``config change: f +d.dd, ...`` when points moved while the data
    did not (or, with ``data_changed`` unknown, when the configs differ); else ``others moved``.
    ``delta`` is (n, factors) points, new minus old; ``started``/``stopped`` are (n, rules).
    """
    n = delta.shape[0]
    moved = np.round(delta, 2) != 0
    if data_changed is None:
        data_changed = np.full(moved.shape, not config_changed)
    by_data = moved & data_changed
    by_config = moved & ~data_changed
    out = np.full(n, OTHERS, dtype=object)
    config_text = _points_text(delta, by_config, factors)
    out = np.where(by_config.any(axis=1), "config change: " + config_text, out)
    data_text = _points_text(delta, by_data, factors)
    out = np.where(by_data.any(axis=1), "data: " + data_text, out)
    for mask, verb in ((stopped, "stopped"), (started, "started")):
        ids = _joined(mask, rules)
        out = np.where(mask.any(axis=1), "override " + ids + " " + verb, out)
    both = started.any(axis=1) & stopped.any(axis=1)
    if both.any():
        out = np.where(
            both,
            "override "
            + _joined(started, rules)
            + " started, "
            + _joined(stopped, rules)
            + " stopped",
            out,
        )
    result: TextArray = out.astype(object)
    return result


def _points_text(delta: FloatArray, use: BoolArray, factors: Sequence[str]) -> TextArray:
    """``f +d.dd, g -d.dd`` for up to three used factors per row, largest change first."""
    n = delta.shape[0]
    text = np.full(n, "", dtype=object)
    if delta.shape[1] == 0:
        return text
    size = np.where(use, np.abs(delta), -1.0)
    order = np.argsort(-size, axis=1, kind="stable")[:, :TOP_FACTORS]
    names = np.array([*factors], dtype=object)
    for slot in range(order.shape[1]):
        col = order[:, slot]
        ok = np.take_along_axis(use, col[:, None], axis=1)[:, 0]
        value = np.take_along_axis(delta, col[:, None], axis=1)[:, 0]
        piece = names[col] + " " + np.char.mod("%+.2f", np.round(value, 2)).astype(object)
        sep = np.where(text == "", "", ", ")
        text = np.where(ok, text + sep + piece, text)
    return text


def _joined(mask: BoolArray, names: Sequence[str]) -> TextArray:
    """Each row's names where ``mask`` holds, ';'-joined."""
    text = np.full(mask.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        sep = np.where(text == "", "", ";")
        text = np.where(mask[:, j], text + sep + name, text)
    return text
