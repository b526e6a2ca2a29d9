"""Platform exchange — "谁评价谁共享" between county, city and provincial hubs (docs/exchange-protocol.md).

Seed 002 §三.(四).1 and seed 001 §二.(四): departments share records and evaluation results with the
platform of their level, which shares them upwards; the province's public credit evaluations flow
back down (seed 000 §三). This package holds the protocol's pure parts — who the peers are
(:mod:`peers`), how a batch is signed and opened (:mod:`signing`, :mod:`batch`), what an item must
hold to be applied (:mod:`items`) — and :mod:`service`, which joins them to the graph.
"""
