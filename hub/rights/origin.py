"""Who decides about an item: the platform it was issued through.

A hub also holds copies of items that came up from the platforms below it (and PUBLIC evaluations
from above). Credit repair is decided by the unit that found the dishonest behaviour (seed 000
§四.(三) "向失信行为认定单位申请信用修复…失信行为认定单位应当及时做出决定"), and an objection is handled by
the unit responsible for the item (seed 000 §四.(二) "有关单位在法定期限内处理完成"). So a hub takes
objections and repair applications only for items issued through it; the decision then travels to
every other platform as the item's next version (docs/exchange-protocol.md). A change made to a copy
would fork the item's versions.
"""

from __future__ import annotations


def issued_elsewhere(item_id: str, origin_platform: str | None, here: str, action: str) -> str | None:
    """A refusal naming where to go instead, or None when the item was issued through this hub
    (an item not yet numbered on the change feed has no origin yet and is this hub's own)."""
    if origin_platform is None or origin_platform == here:
        return None
    return (f"{item_id} was issued through the {origin_platform} platform, which decides on it; {action} "
            f"there — its decision reaches this hub ({here}) by sync")
