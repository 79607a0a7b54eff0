"""python -m service: the tarjoman command."""

from service.cli import main

raise SystemExit(main())
