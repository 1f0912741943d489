import { context, type Attributes, type TracerProvider } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { AttemptInfo, TransportObserver } from '../../http/transport.js';

// One CLIENT span per upstream HTTP attempt, made by @opentelemetry/instrumentation-undici
// from undici's diagnostics channels, which the npm `undici` the transport uses publishes
// to as much as Node's built-in fetch does. The instrumentation parents the span on the
// active context when undici creates the request, and injects `traceparent` (and any other
// registered propagator's headers) into that request, so the upstreams receive the
// operation's trace context. The transport starts every request in its caller's async
// context, also when it waited in the pool's queue (src/http/caller-context-pool.ts), so
// the parent is the operation's span.
//
// What the instrumentation cannot know (the route, the upstream, the retry number) the
// transport gives through `aroundAttempt`, which runs the attempt with that information in
// the OpenTelemetry context; the hooks below read it from there. The same information marks
// a request as one of this gateway's upstream attempts: any other undici request in the
// process (another gateway's, a test's own) is left alone.

/**
 * The CLIENT spans of one gateway's upstream requests. `observer` goes to the transports;
 * `disable()` unsubscribes from undici's channels (the gateway's close does it).
 */
export class UpstreamSpans {
  /**
   * Per instance, so that two gateways in one process never claim each other's requests. Not
   * createContextKey: that returns `Symbol.for(description)`, the same key for every instance.
   */
  private readonly attemptKey = Symbol('rest-graph-gateway upstream attempt');
  private readonly instrumentation: UndiciInstrumentation;
  readonly observer: TransportObserver;

  constructor(tracerProvider: TracerProvider) {
    const attempt = () => context.active().getValue(this.attemptKey) as AttemptInfo | undefined;
    this.instrumentation = new UndiciInstrumentation({
      ignoreRequestHook: () => attempt() === undefined,
      // Returned attributes are merged over the instrumentation's own (a key both set is ours),
      // so url.full and url.query are recorded redacted and the rest of its attributes stay.
      startSpanHook: (): Attributes => {
        const current = attempt();
        if (!current) return {};
        const url = redactUrl(current.url);
        return {
          'url.full': url,
          'url.query': queryOf(url),
          'http.route': current.route,
          'upstream.name': current.upstream,
          // The semantic conventions' name for the retry number: 0 on the first try.
          'http.request.resend_count': current.attempt,
        };
      },
      // The instrumentation names the span after the method alone; the route says more.
      requestHook: (span) => {
        const current = attempt();
        if (current) span.updateName(current.route);
      },
    });
    this.instrumentation.setTracerProvider(tracerProvider);
    this.observer = {
      aroundAttempt: (info, run) => context.with(context.active().setValue(this.attemptKey, info), run),
    };
  }

  disable(): void {
    this.instrumentation.disable();
  }
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

function queryOf(url: string): string {
  try {
    return new URL(url).search;
  } catch {
    return '';
  }
}
