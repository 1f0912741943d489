import { createRequire } from 'node:module';
import express, { type Router } from 'express';
import { logger } from './logger.js';

// An explorer that needs no internet: Altair's static build, served from node_modules
// (package `altair-static`). Apollo Sandbox on GET /graphql stays, but it loads from Apollo's
// CDN, which a developer offline, or a network that blocks it, does not reach.

/** What this module uses of `altair-static`. */
interface AltairStatic {
  renderAltair(options: Record<string, unknown>): string;
  getDistDirectory(): string;
  isSandboxFrame(path: string): boolean;
  SANDBOX_FRAME_CSP: string;
}

export interface ExplorerOptions {
  /** The GraphQL endpoint, as the browser reaches it: a URL, or a path on the explorer page's origin. */
  endpointUrl: string;
  /** The document the explorer opens with. */
  initialQuery?: string;
  /** Its variables, as JSON text. */
  initialVariables?: string;
}

/** An example that shows the graph's shape: a partner's companies and their Inspectorio side. */
export const EXAMPLE_QUERY = `# Press "Send Request" (Ctrl+Enter) to run it; edit the partner id under "Variables".
query PartnerCompanies($partnerId: Int!) {
  partner(id: $partnerId) {
    companyRelationships(first: 5) {
      totalCount
      nodes {
        createdAt
        company {
          companyId
          name
          organization { name type }
        }
      }
    }
  }
}
`;

function loadAltair(): AltairStatic | undefined {
  try {
    // Required on first use only: the package is 7 MB of browser assets that a gateway with
    // EXPLORER=false never needs.
    return createRequire(import.meta.url)('altair-static') as AltairStatic;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return undefined;
  }
}

/** The simulators' biggest partner: `npm start` with no upstream configured answers it. */
export const EXAMPLE_VARIABLES = '{ "partnerId": 36 }';

/** The explorer, to mount at a path of its own (e.g. `/explorer`). */
export function explorer({ endpointUrl, initialQuery = EXAMPLE_QUERY, initialVariables = EXAMPLE_VARIABLES }: ExplorerOptions): Router {
  const router = express.Router();
  const altair = loadAltair();
  if (!altair) {
    logger.warn('EXPLORER is on but the package altair-static is not installed: GET /explorer answers 503');
    router.use((_req, res) => {
      res.status(503).type('text/plain').send('The explorer needs the npm package altair-static: run `npm install`, or set EXPLORER=false.\n');
    });
    return router;
  }

  const page = altair.renderAltair({
    // Relative, like every asset URL in the page: the gateway may sit under a path prefix.
    baseURL: './',
    endpointURL: endpointUrl,
    initialQuery,
    initialVariables,
    // Altair's account and cloud sync would call altairgraphql.dev; so would the update notice.
    disableAccount: true,
    initialSettings: { 'alert.disableUpdateNotification': true, 'banners.disable': true, 'plugin.list': [] },
  });

  router.get(['/', '/index.html'], (req, res) => {
    // `./` must resolve below /explorer/, so the page is only ever served with the slash.
    if (!req.originalUrl.split('?')[0]!.endsWith('/') && req.path === '/') {
      res.redirect(301, `${req.baseUrl}/`);
      return;
    }
    res.type('html').setHeader('cache-control', 'no-cache').send(page);
  });
  router.use(
    express.static(altair.getDistDirectory(), {
      setHeaders: (res, path) => {
        // Altair runs pre-request scripts in this frame; its CSP keeps them away from the page.
        if (altair.isSandboxFrame(path)) res.setHeader('Content-Security-Policy', altair.SANDBOX_FRAME_CSP);
      },
    }),
  );
  return router;
}
