"""``python -m symverify`` is the ``symverify`` command."""
from .cli import main

main()
