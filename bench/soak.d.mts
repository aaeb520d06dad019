// Types for bench/soak.mjs, for test/soak.test.ts.

export interface SoakOptions {
  /** Load for this long (default 60). */
  seconds?: number;
  /** Rewrite the config and send SIGHUP this often (default 3). */
  reloadEvery?: number;
  /** Keep-alive connections, each with one request at a time (default 32). */
  connections?: number;
  /** Seconds before RSS samples count (default: 20, or a third of a shorter run). */
  warmup?: number;
  /** The node binary that runs the server (default the one running this). */
  nodePath?: string;
  /** Node options for the server (default ['--max-semi-space-size=16']; [] for V8's own). */
  nodeOptions?: string[];
  /** The CLI to serve with (default dist/cli.js). */
  cli?: string;
  tolerancePct?: number;
  toleranceMiB?: number;
  onProgress?: (line: string) => void;
}

export interface SoakResult {
  node: string;
  nodeOptions: string[];
  seconds: number;
  connections: number;
  reloadEvery: number;
  requests: number;
  byKind: Record<string, number>;
  errors: number;
  errorSamples: { message: string; count: number; example: string }[];
  reqPerSec: number;
  reloads: { applied: number; refused: number };
  warmup: number;
  memory: {
    flat: boolean | undefined;
    start?: number;
    max?: number;
    end?: number;
    last?: number;
    limit?: number;
    window?: number;
    samples: number;
  };
  rss: [number, number][];
  ok: boolean;
  wallSeconds: number;
}

export function soak(options?: SoakOptions): Promise<SoakResult>;
