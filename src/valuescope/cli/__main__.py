"""`python -m valuescope.cli`: the same as the `valuescope` command."""

from valuescope.cli import main

main()
