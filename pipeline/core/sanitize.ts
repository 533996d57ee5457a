/**
 * Secrets are scrubbed in the log sink and in error output, not by each caller: a token that
 * was registered once can never be printed, whatever code path reaches the output.
 */
const registered = new Set<string>();
const SECRET_KEYS =
  /^(token|password|passwd|secret|authorization|privatekey|private_key|bearer|apikey|api_key|keydata|certdata|clientkey|client-key-data)$/i;
export const REDACTED = '**redacted**';

export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  const v = value.trim();
  // Very short values would redact ordinary words; real credentials are long.
  if (v.length >= 6) registered.add(v);
  if (v.length >= 6) registered.add(Buffer.from(v).toString('base64'));
}

export function clearRegisteredSecrets(): void {
  registered.clear();
}

export function sanitizeText(text: string): string {
  let out = text;
  for (const s of registered) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  // Credentials embedded in URLs (https://user:token@host) and bearer headers.
  out = out.replace(/(\w+:\/\/)[^\s/@:]+:[^\s/@]+@/g, `$1${REDACTED}@`);
  out = out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`);
  out = out.replace(/(x-access-token:)[^\s@]+/gi, `$1${REDACTED}`);
  return out;
}

/**
 * A copy of `value` with registered secrets scrubbed from every string and secret-named keys
 * redacted. Logs cap the depth (a log line never needs a whole object); snapshots do not.
 */
export function sanitizeValue(value: unknown, opts: { maxDepth?: number } = {}): unknown {
  return scrub(value, 0, opts.maxDepth ?? 8);
}

function scrub(value: unknown, depth: number, maxDepth: number): unknown {
  if (depth > maxDepth) return '[depth]';
  if (typeof value === 'string') return sanitizeText(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, maxDepth));
  if (value instanceof Error) {
    return {
      name: value.name,
      message: sanitizeText(value.message),
      code: (value as { code?: unknown }).code,
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) ? REDACTED : scrub(v, depth + 1, maxDepth);
    }
    return out;
  }
  return value;
}
