import { AsyncResource } from 'node:async_hooks';
import { Client, Pool, type Dispatcher } from 'undici';

// undici's Pool queues a request when every connection is busy, and starts it later from the
// 'drain' of whichever connection frees up first. That start runs in the async context of
// the request that just finished, not of the one that was queued. undici creates its
// Request object (and publishes `undici:request:create`, which the OpenTelemetry undici
// instrumentation turns into a CLIENT span and a `traceparent` header) at that start, so a
// queued request would be traced as a child of some other operation, and carry that
// operation's trace id to the upstream. Measured with 3 concurrent requests on a 1-connection
// pool: all three spans landed in the first caller's trace.
//
// This pool captures the caller's async context when it has to queue a request, and starts
// the request inside it later. A request that finds a free connection starts at once, in the
// caller's context already, and costs nothing more than a copy of its options (capturing
// creates an AsyncResource). Nothing else changes: the queue, the connection limit and the
// timeouts are undici's.

const CALLER = Symbol('caller async context');
const STARTED = Symbol('started on dispatch');

type StampedOptions = Dispatcher.DispatchOptions & { [CALLER]?: AsyncResource; [STARTED]?: boolean };

/** A connection that starts a queued request in the async context captured when it was queued. */
class CallerContextClient extends Client {
  override dispatch(options: StampedOptions, handler: Dispatcher.DispatchHandler): boolean {
    options[STARTED] = true;
    const caller = options[CALLER];
    return caller ? caller.runInAsyncScope(() => super.dispatch(options, handler)) : super.dispatch(options, handler);
  }
}

/** An undici Pool whose requests start in their caller's async context even when they waited in its queue. */
export class CallerContextPool extends Pool {
  constructor(origin: string, options: Omit<Pool.Options, 'factory'>) {
    super(origin, { ...options, factory: (url, clientOptions) => new CallerContextClient(url, clientOptions as Client.Options) });
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // A copy, marked by the connection if it takes the request now; the pool's queue holds
    // this same object otherwise, so the context captured below reaches the connection later.
    const stamped: StampedOptions = { ...options };
    const free = super.dispatch(stamped, handler);
    if (!stamped[STARTED]) stamped[CALLER] = new AsyncResource('UpstreamRequest');
    return free;
  }
}
