"""Loading the config: read a file safely, validate it, and locate every problem.

``parse_config`` is pure (plain data in, ``Config`` out); ``load_config`` reads a file safely and
locates every problem as ``file:line:col``. Nothing here imports typer, rich or pandas.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from socprio.config.checks import config_problems
from socprio.config.models import Config, LoadedConfig, Loc
from socprio.config.yamlsafe import MAX_CONFIG_BYTES, load_yaml
from socprio.errors import ConfigError

CONFIG_ENV_VAR = "SOCPRIO_CONFIG"


class ConfigProblems(Exception):
    """Plain-data config problems, each with its YAML path (located later by the loader)."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


def parse_config(data: object) -> Config:
    """Validate plain data (as loaded from YAML) into a ``Config``; raise ``ConfigProblems``."""
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigProblems(
            [
                (tuple(e["loc"]), e["msg"])
                for e in exc.errors(include_url=False, include_input=False)
            ]
        ) from None
    problems = config_problems(cfg)
    if problems:
        raise ConfigProblems(problems)
    return cfg


BUILTIN = "<built-in default>"


def builtin_config_text() -> bytes:
    """The default config that ships inside the package (identical to config/scoring.yaml)."""
    return resources.files("socprio").joinpath("data/scoring.yaml").read_bytes()


def resolve_config_path(option: Path | None, environ: Mapping[str, str]) -> Path | None:
    """``--config``, else ``$SOCPRIO_CONFIG``, else ``None`` for the built-in default."""
    if option is not None:
        return option
    env = environ.get(CONFIG_ENV_VAR, "").strip()
    return Path(env) if env else None


def parse_config_bytes(raw: bytes, *, source: str) -> Config:
    """Decode, load safely and validate config bytes; problems become one located ConfigError."""
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config is {len(raw)} bytes; the cap is {MAX_CONFIG_BYTES}", file=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config is not UTF-8 (byte {exc.start})", file=source) from None
    doc = load_yaml(text, source=source)
    try:
        return parse_config(doc.data)
    except ConfigProblems as exc:
        located = [(doc.locate(loc), loc, msg) for loc, msg in exc.problems]
        (line, col), loc, msg = located[0]
        rest = "".join(
            f"\n{source}:{ln}:{cl}: {_dotted(lc)}: {m}" for (ln, cl), lc, m in located[1:]
        )
        raise ConfigError(
            f"{_dotted(loc)}: {msg}{rest}", file=source, line=line, column=col
        ) from None


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_config(path: Path | None) -> LoadedConfig:
    """Read, hash and validate the config at ``path`` (``None``: the built-in default)."""
    if path is None:
        raw, source = builtin_config_text(), BUILTIN
    else:
        source = str(path)
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(
                    f"config is larger than the {MAX_CONFIG_BYTES}-byte cap", file=source
                )
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError("config file not found", file=source) from None
        except IsADirectoryError:
            raise ConfigError("config path is a directory, not a file", file=source) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot read config: {os.strerror(exc.errno or 0)}", file=source
            ) from None
    cfg = parse_config_bytes(raw, source=source)
    return LoadedConfig(config=cfg, path=source, sha256=hashlib.sha256(raw).hexdigest(), raw=raw)
