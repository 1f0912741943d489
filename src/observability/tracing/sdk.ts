import { SpanKind, SpanStatusCode, context, propagation, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { AttemptEnd, TransportObserver } from '../http/transport.js';

// OpenTelemetry traces: one SERVER span per GraphQL operation, active while it executes, and
// one CLIENT span per upstream HTTP attempt as its child. The operation span is made active
// by an Express middleware rather than by the Apollo plugin, because a plugin's hooks are
// called from the request pipeline and cannot wrap the execution in `context.with`; the
// middleware can, and everything Apollo then does for the request (resolvers, DataLoader
// batches, undici calls) runs in that async context. The plugin (src/plugins/tracing) names
// the span once the operation is known and ends it.
//
// With tracing off, none of this is installed and the SDK is not even loaded.

export const TRACER_NAME = 'rest-graph-gateway';
export const DEFAULT_SERVICE_NAME = 'rest-graph-gateway';

export interface TracingSettings {
  /** `otlp`: OTLP over HTTP; `console`: spans printed to stdout (for a look while developing); `none`: off. */
  exporter: 'otlp' | 'console' | 'none';
  /** `service.name` of the spans. */
  serviceName: string;
  /** The traces endpoint, e.g. http://collector:4318/v1/traces; undefined: the exporter's default (localhost:4318). */
  otlpTracesUrl?: string | undefined;
}

export interface StartedTracing {
  provider: TracerProvider;
  /** Flushes the spans still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK for the process: a tracer provider exporting in batches, registered as the
 * global one together with the AsyncLocalStorage context manager and the W3C propagator.
 * Undefined when the settings say `none`. Call once per process.
 */
export async function startTracing(settings: TracingSettings): Promise<StartedTracing | undefined> {
  if (settings.exporter === 'none') return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor, ConsoleSpanExporter }, { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
  ]);
  const exporter =
    settings.exporter === 'console'
      ? new ConsoleSpanExporter()
      : new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(settings.otlpTracesUrl ? { url: settings.otlpTracesUrl } : {});
  const provider = new NodeTracerProvider({
    // The SDK's own attributes, OTEL_RESOURCE_ATTRIBUTES, host and process; the service name last, so it wins.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector, hostDetector, processDetector] }))
      .merge(resourceFromAttributes({ 'service.name': settings.serviceName })),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return { provider, shutdown: () => provider.shutdown() };
}

/**
 * Starts the operation's span and runs the rest of the request inside it. Mount it after
 * the body parser: body-parser resumes from stream events, whose callbacks run in the
 * socket's async context, not the one current when the listener was added, so a context
 * entered before it would be lost by the time Apollo runs.
 */
export function operationSpanMiddleware(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    // A caller that traces sends `traceparent`: the operation joins its trace.
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.baseUrl || req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': req.baseUrl || req.path } },
      parent,
    );
    // The plugin ends the span when the operation's response is ready; this covers requests
    // that never reach the operation pipeline (a GET for the landing page, a malformed request).
    res.once('close', () => {
      if (!span.isRecording()) return;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** A CLIENT span per upstream HTTP attempt, child of whatever span is active (the operation's). */
export function tracingObserver(tracer: Tracer): TransportObserver {
  return {
    onAttemptStart: ({ upstream, route, method, url, attempt }): AttemptEnd => {
      const span = tracer.startSpan(route, {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'url.full': redactUrl(url),
          'server.address': hostOf(url),
          'http.route': route,
          'upstream.name': upstream,
          // The semantic conventions' name for the retry number: 0 on the first try.
          'http.request.resend_count': attempt,
        },
      });
      return ({ status, error }) => {
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (status === undefined || status >= 500) {
          span.setAttribute('error.type', status === undefined ? errorType(error) : String(status));
          span.setStatus({ code: SpanStatusCode.ERROR, message: status === undefined ? (error instanceof Error ? error.message : 'no response') : `HTTP ${status}` });
        }
        span.end();
      };
    },
  };
}

/** Query parameters whose values are secrets wherever they appear. */
const SECRET_PARAMETER = /token|key|secret|password|passwd|signature|^sig$|credential|auth|session|code/i;

/**
 * The URL as it may be recorded: no user or password, and the values of query parameters
 * that look like credentials replaced by REDACTED (as the semantic conventions ask). The
 * upstreams take their credentials in headers, but a URL is easy to get wrong once.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(unparseable URL)';
  }
  if (url.username || url.password) {
    url.username = 'REDACTED';
    url.password = 'REDACTED';
  }
  if (url.search) {
    const redacted: string[] = [];
    for (const part of url.search.slice(1).split('&')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // keep it as it is
      }
      redacted.push(eq >= 0 && SECRET_PARAMETER.test(decoded) ? `${name}=REDACTED` : part);
    }
    // Rebuilt by hand: URLSearchParams would re-encode the rest (`$top` as `%24top`).
    url.search = redacted.join('&');
  }
  return url.href;
}

function hostOf(raw: string): string {
  try {
    return new URL(raw).hostname;
  } catch {
    return '';
  }
}

/** The low-level cause's code (`UND_ERR_HEADERS_TIMEOUT`, `ECONNREFUSED`), under the transport's UpstreamError. */
function errorType(error: unknown): string {
  const cause = (error as { originalError?: unknown } | null)?.originalError ?? error;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.name : 'unknown';
}
