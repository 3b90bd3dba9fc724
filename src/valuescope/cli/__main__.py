"""`python -m valuescope.cli` = the `valuescope` command."""

from valuescope._entry import main

main()
