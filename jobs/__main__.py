"""`python -m jobs` runs the `digest` command."""

from .cli import cli

cli(prog_name="digest")
