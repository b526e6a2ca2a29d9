// The bench's peer: @neo4j/graphql on Apollo Server over the hub's own graph, one process.
// bench/peer.py starts it with NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, PEER_PORT and stops it.
// The PUBLIC rule is not in the schema: the bench's queries carry it as `where` filters.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import { GraphQLScalarType } from "graphql";
import neo4j from "neo4j-driver";

const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");
const driver = neo4j.driver(process.env.NEO4J_URI, neo4j.auth.basic(process.env.NEO4J_USER, process.env.NEO4J_PASSWORD));
// String ranges (uscc > $after) for keyset pages, as the hub pages on the code index.
const features = { filters: { String: { GT: true, GTE: true, LT: true, LTE: true } } };
const Instant = new GraphQLScalarType({ name: "Instant", serialize: (value) => value.toString() });
const schema = await new Neo4jGraphQL({ typeDefs, driver, features, resolvers: { Instant } }).getSchema();

if (process.argv.includes("--print-schema")) {
  const { printSchema } = await import("graphql");
  console.log(printSchema(schema));
  await driver.close();
  process.exit(0);
}

const server = new ApolloServer({ schema, introspection: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(process.env.PEER_PORT || 4000) },
  context: async () => ({ sessionConfig: { database: process.env.NEO4J_DATABASE || "neo4j" } }),
});
console.log(`peer ready at ${url}`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    await server.stop();
    await driver.close();
    process.exit(0);
  });
}
