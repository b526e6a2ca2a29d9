"""The Neo4j layer: the only place in the project that speaks Cypher."""
