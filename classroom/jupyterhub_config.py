"""JupyterHub's config for a Flywheel classroom.

`python -m helpers classroom hub` (what `make classroom` runs) checks the room, writes it to
<state>/room.json and starts JupyterHub with this file, naming room.json in $FLYWHEEL_CLASSROOM;
everything is set by helpers.course.hub.configure, where the unit tests check it. At the hub's exit
the learners' cgroups are removed (their counters are kept while the hub runs, across server restarts).
"""

import atexit
import os

from helpers.course import hub

room = hub.Room.load(os.environ[hub.ROOM_ENV])
hub.configure(c, room)  # noqa: F821 (c: the config JupyterHub provides)
atexit.register(hub.release_groups, room)  # at JupyterHub's exit, after it stopped the learners' servers
