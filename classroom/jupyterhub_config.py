"""JupyterHub's config for a Flywheel classroom.

`python -m helpers classroom hub` (what `make classroom` runs) checks the room, writes it to
<state>/room.json and starts JupyterHub with this file, naming room.json in $FLYWHEEL_CLASSROOM;
everything is set by helpers.course.hub.configure, where the unit tests check it.
"""

import os

from helpers.course import hub

hub.configure(c, hub.Room.load(os.environ[hub.ROOM_ENV]))  # noqa: F821 (c: the config JupyterHub provides)
