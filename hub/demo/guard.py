"""Demo data goes only where there is nothing else: ``hub demo load`` neither wipes nor overwrites a real archive.

A demo load upserts subjects by their code and records by their id, and ``--reset`` deletes every
node, audit chain included. Either would destroy credit records and their history if the hub held
real data, so both refuse on a hub that holds data no demo load wrote (``hub.db.provenance`` says
what counts), and say what it holds. Nothing overrides this: a real hub's database is removed by
its operator with the database's own tools, not by the demo loader.
"""

from __future__ import annotations

from hub.db import provenance
from hub.db.gateway import Neo4jGateway
from hub.errors import Conflict


class NotDemoData(Conflict):
    """The hub holds data that no demo load wrote; the message says how much of what."""


async def refuse_unless_demo_only(gateway: Neo4jGateway, action: str, platform: str) -> None:
    """Raise ``NotDemoData`` naming what the hub (platform ``platform``) holds beside demo data, if anything."""
    found = await provenance.non_demo_data(gateway, platform)
    if found:
        held = ", ".join(f"{count:,} {kind}" for kind, count in list(found.items())[:6])
        raise NotDemoData(f"refusing to {action}: the hub at {gateway.uri} holds data that `hub demo load` did not "
                          f"write ({held}) — imported, synced or written through the API; nothing was changed")


async def mark_loaded(gateway: Neo4jGateway, platform: str) -> None:
    """After a load into a hub that held demo data only: mark what it wrote as demo data."""
    await provenance.mark_demo(gateway, platform)
