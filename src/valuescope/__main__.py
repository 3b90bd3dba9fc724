"""`python -m valuescope` = the `valuescope` command."""

from valuescope._entry import main

main()
