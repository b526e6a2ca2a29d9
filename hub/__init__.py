"""Credit Hub's service: settings, the Neo4j layer, domain rules, the HTTP app and the CLI."""
