import { request } from 'undici';

// A reader of Prometheus' text exposition format, enough to check series by name and labels.
// Route label values hold braces (`GET /Companies({id})`), so labels are read as quoted
// strings rather than split on `{` and `}`.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`not a sample line: ${line}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      const label = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/;
      for (let m = label.exec(rest); m; m = label.exec(rest)) {
        labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        rest = rest.slice(m[0].length);
      }
      if (!rest.startsWith('}')) throw new Error(`unterminated labels: ${line}`);
      rest = rest.slice(1);
    }
    const value = Number(rest.trim().split(/\s+/)[0]);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** Samples of `name` whose labels include `labels`. */
export function series(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the values of matching samples (0 when none). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return series(samples, name, labels).reduce((sum, s) => sum + s.value, 0);
}

export async function scrape(gatewayUrl: string): Promise<{ contentType: string; samples: Sample[]; text: string }> {
  const response = await request(new URL('/metrics', gatewayUrl));
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}: ${text.slice(0, 200)}`);
  return { contentType: String(response.headers['content-type']), samples: parsePrometheus(text), text };
}
