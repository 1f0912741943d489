import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { parse } from 'graphql';

// The same subgraphs composed by both composers a supergraph may be built with: Apollo's
// (@apollo/composition, what rover runs) and The Guild's (@theguild/federation-composition,
// what Hive and GraphQL Mesh run).

export interface Subgraph {
  name: string;
  url: string;
  sdl: string;
}

export interface Compositions {
  apollo: { supergraphSdl?: string; errors: string[]; hints: Array<{ code: string; message: string }> };
  guild: { supergraphSdl?: string; errors: string[] };
}

export function composeBoth(subgraphs: readonly Subgraph[]): Compositions {
  const apollo = composeWithApollo(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  const guild = composeWithGuild(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  return {
    apollo: {
      supergraphSdl: apollo.supergraphSdl,
      errors: (apollo.errors ?? []).map((e) => e.message),
      hints: (apollo.hints ?? []).map((hint) => ({ code: hint.definition.code, message: hint.message })),
    },
    guild: { supergraphSdl: guild.supergraphSdl, errors: (guild.errors ?? []).map((e) => e.message) },
  };
}
