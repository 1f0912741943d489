// What configuration needs to know about tracing, apart from the SDK (which is loaded only
// when tracing is on): config.ts imports this file, so it stays free of OpenTelemetry.

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
