import type { TracerProvider } from '@opentelemetry/api';
import type { TracingSettings } from './settings.js';

// The OpenTelemetry SDK for the process. Its packages are imported only when tracing is on.

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
