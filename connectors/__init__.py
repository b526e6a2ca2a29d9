"""Platform sync (county ⇄ city ⇄ province) and file importers; they call hub's service."""
