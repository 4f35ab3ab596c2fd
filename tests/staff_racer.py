"""One owner's change to another owner, from its own process, for the test of two owners removing
each other at the same moment (`tests/integration/test_staff_management.py`).

Kept apart from `tests/conftest.py`, as `tests/lockout_guesser.py` is: a child imports this
module by name and inherits the environment naming the test keyring.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

PRELOAD = ["pos_app.app", "pos_app.services.staff", "pos_app.persistence.uow", "pos_app.persistence.database",
           "sqlalchemy.orm", "sqlcipher3", "tests.staff_racer"]
DONE, REFUSED = 0, 2


def remove(data_dir: str, actor_name: str, target_name: str, how: str, ready: Any, go: Any) -> None:
    """As owner `actor_name`, deactivate (`how="deactivate"`) or make a manager (`"demote"`)
    owner `target_name`, once told to go; exit DONE, or REFUSED with the refusal on stderr."""
    from pos_app import app
    from pos_app.domain.errors import UserFacingError
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import staff

    facet = app.open_facet(Path(data_dir))
    try:
        people = {s.name: s for s in facet.store.directory.staff_list()}
        me, target = people[actor_name], people[target_name]
        actor = Actor(staff_id=me.id, name=me.name, role=me.role, terminal=facet.terminal)
        ready.release()
        go.wait()
        try:
            if how == "deactivate":
                staff.deactivate(target.id, uow=facet.uow(), actor=actor)
            else:
                staff.set_role(target.id, Role.MANAGER, uow=facet.uow(), actor=actor, hasher=facet.hasher())
        except UserFacingError as refused:
            print(refused, file=sys.stderr)
            sys.exit(REFUSED)
    finally:
        facet.close()
    sys.exit(DONE)
