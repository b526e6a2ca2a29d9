"""差异化监管 — differentiated supervision: measures lists and verifiable double-random inspections."""
