"""HTTP edge: GraphQL over HTTP, health, readiness and metrics endpoints."""
