"""Ways to measure: Likert questionnaires (more instruments arrive issue by issue)."""

from valuescope.instruments._items import Item, ItemBank, ResponseScale, load_item_bank

__all__ = ["Item", "ItemBank", "ResponseScale", "load_item_bank"]
