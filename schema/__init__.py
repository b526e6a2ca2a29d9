"""The GraphQL face: strawberry types and resolvers, the one tier mechanism, the printed SDL."""
