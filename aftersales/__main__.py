"""``python -m aftersales``: the command line, as the ``aftersales`` script."""

from aftersales.cli import main

main()
