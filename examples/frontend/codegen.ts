import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for a frontend, with the codegen client preset: write operations with
// `graphql(...)` from ./src/gql in any file under src/, run `npm run codegen:frontend` (from the
// repository root), and every document comes back as a TypedDocumentNode that Apollo Client,
// urql or graphql-request type-check against. Paths are relative to this folder.
//
// A frontend in its own repository points `schema` at the gateway instead, e.g.
// `schema: 'https://gateway.example/graphql'` (needs INTROSPECTION=true there), or at the file
// `npm run -s subgraph:sdl > schema.graphql` writes.
const config: CodegenConfig = {
  schema: '../../schema/*.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  // `.js` on relative imports, as NodeNext and browsers' ES modules want.
  emitLegacyCommonJSImports: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // How the custom scalars arrive in JSON.
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
