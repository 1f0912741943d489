/**
 * `promise` as it settles, or a rejection as soon as `signal` aborts, whichever is first: for a
 * caller that must stop waiting at its deadline for work that goes on without it (a request
 * queued in a pool, a token grant or a read other operations share).
 *
 * - `reason`: what to reject with on abort (default: the signal's reason, else an AbortError).
 * - `onAbort`: called once when the caller gives up (e.g. to leave a shared read).
 * - `onAbandoned`: gets the value when it arrives after the caller gave up, to free what it
 *   holds (e.g. destroy an unread response body).
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  options: { reason?: () => unknown; onAbort?: () => void; onAbandoned?: (value: T) => void } = {},
): Promise<T> {
  if (!signal) return promise;
  const reason = () => (options.reason ? options.reason() : (signal.reason ?? new DOMException('This operation was aborted', 'AbortError')));
  return new Promise<T>((resolve, reject) => {
    let gaveUp = false;
    const onAbort = () => {
      gaveUp = true;
      options.onAbort?.();
      reject(reason());
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (gaveUp) options.onAbandoned?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!gaveUp) reject(error);
      },
    );
  });
}
