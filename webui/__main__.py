"""python -m webui …"""

from .cli import main

raise SystemExit(main())
