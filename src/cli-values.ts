// The values of command-line flags: each parser returns the value or throws
// commander's InvalidArgumentError, which it prints with the flag's name (exit 2).
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { LogFormat } from './log.js';
import { UsageError } from './cli-errors.js';

const DEFAULT_PORT = 8080;

export function parsePort(value: string): number {
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  }
  return port;
}

/** HSTS max-age: whole seconds up to two years, as browsers cap it. */
export function maxAge(value: string): number {
  const number = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number <= 63_072_000)) throw new InvalidArgumentError('expected seconds up to 63072000.');
  return number;
}

export function count(value: string): number {
  const number = /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(number >= 1 && number <= 256)) throw new InvalidArgumentError('expected 1 to 256.');
  return number;
}

export function seconds(value: string): number {
  const number = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
  if (!(number <= 3600)) throw new InvalidArgumentError('expected seconds from 0 to 3600.');
  return number;
}

/** A timeout: above 0, since 0 would turn Node's timeout off and let a slow client stay. */
export function timeout(value: string): number {
  const number = seconds(value);
  if (number <= 0) throw new InvalidArgumentError('expected seconds above 0, up to 3600.');
  return number;
}

/** Below 256 bytes, ordinary import paths would be refused; above 64 KiB, no client sends. */
export function urlBytes(value: string): number {
  const number = /^[0-9]{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(number >= 256 && number <= 65_536)) {
    throw new InvalidArgumentError('expected a whole number of bytes from 256 to 65536.');
  }
  return number;
}

export function logFormat(value: string): LogFormat {
  if (value === 'text' || value === 'json') return value;
  throw new InvalidArgumentError('expected text or json.');
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address, or a subnet whose prefix length fits the address family. */
function validSubnet(address: string, prefix: string | undefined): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Express's trust proxy: true, false, a hop count, or addresses, subnets and names. */
export function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^[0-9]+$/.test(value)) return Number(value);

  for (const entry of value.split(',').map((part) => part.trim())) {
    const [address = '', prefix] = entry.split('/');
    const valid = PROXY_NAMES.includes(entry) || validSubnet(address, prefix);
    if (!valid) {
      throw new InvalidArgumentError(
        `"${entry}" is not an address, subnet or one of ${PROXY_NAMES.join(', ')}.`,
      );
    }
  }
  return value;
}

/** The config file: the flag, $VANITY_CONFIG, or ./vanity.yaml when there is one. */
export function configPath(option: string | undefined): string {
  if (option) return option;
  if (process.env.VANITY_CONFIG) return process.env.VANITY_CONFIG;
  if (existsSync('vanity.yaml')) return 'vanity.yaml';
  throw new UsageError(
    `no config: there is no vanity.yaml in ${resolve('.')}; pass --config FILE or set VANITY_CONFIG`,
  );
}

/** The port in $PORT, else 8080. */
export function portFromEnv(): number {
  const value = process.env.PORT;
  if (value === undefined || value === '') return DEFAULT_PORT;
  try {
    return parsePort(value);
  } catch {
    throw new UsageError(`PORT="${value}" is not a port number from 0 to 65535`);
  }
}
