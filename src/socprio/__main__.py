"""``python -m socprio``."""

from socprio.cli import main

main()
