import { Kind, parse, print } from 'graphql';
import type { Config } from './config.js';
import { loadManifest } from './edge/index.js';
import { PARTNER_SUPPLY_NETWORK } from './graph/example-queries.js';

/**
 * What `npm start` prints once the gateway listens: where to explore, and one request to try
 * that this configuration runs. With TRUSTED_DOCUMENTS_ONLY=true any query text outside the
 * manifest is refused, so the suggestion is a listed document sent by its hash (its variables
 * left for the reader, shown by name and type), and the explorer is said to run listed documents
 * only. The first line, "GraphQL gateway ready at <url>", is what scripts and tests wait for.
 */
export async function startBanner(config: Config, url: string): Promise<string> {
  const origin = url.replace(/\/graphql$/, '');
  const only = config.edge.trustedDocuments.only;
  const lines = ['', `GraphQL gateway ready at ${url}`];
  if (config.explorer) lines.push(`  Explorer (works offline):          ${origin}/explorer${only ? ' (runs only the listed documents)' : ''}`);
  if (config.landingPage) lines.push(`  Apollo Sandbox (needs Apollo's CDN): ${url} in a browser`);
  lines.push(`  Readiness and upstreams:           ${origin}/readyz`, '');
  const token = config.edge.auth?.required ? ` -H 'authorization: Bearer <JWT>'` : '';
  const curl = (body: string) => `  curl -s ${url} -H 'content-type: application/json'${token} \\\n    --data '${body}'`;
  if (!only) {
    lines.push('Try:', curl(JSON.stringify({ query: PARTNER_SUPPLY_NETWORK.replace(/\s+/g, ' '), variables: { partnerId: 36 } })));
  } else {
    // The start already loaded this file (a bad one stops it before here).
    const documents = await loadManifest(config.edge.trustedDocuments.file!);
    const listed = [...documents.values()].find((document) => document.type === 'query');
    lines.push(`TRUSTED_DOCUMENTS_ONLY=true: only the ${documents.size} ${documents.size === 1 ? 'document' : 'documents'} of ${config.edge.trustedDocuments.file} run, sent by hash (or as their exact text).`);
    if (listed) {
      lines.push(`Try ${listed.name} by its hash, with its variables filled in:`, curl(JSON.stringify({ documentId: `sha256:${listed.id}`, variables: placeholders(listed.body) })));
    }
  }
  lines.push('', '');
  return lines.join('\n');
}

/** `{name: "<Type>"}` for each variable the document's first operation declares. */
function placeholders(body: string): Record<string, string> {
  const operation = parse(body).definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return Object.fromEntries((operation?.variableDefinitions ?? []).map((variable) => [variable.variable.name.value, `<${print(variable.type)}>`]));
}
