import * as client from 'openid-client';
import { sha256Hex } from '../../shared/crypto.ts';

// Providers rotate metadata rarely; an hour bounds how long a changed provider goes unnoticed.
const CONFIGURATION_TTL_MS = 60 * 60 * 1000;
// Someone is waiting on the sign-in page while discovery runs.
const DISCOVERY_TIMEOUT_SECONDS = 10;

/** What the client needs to know about an organisation's identity provider. */
export interface ProviderSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
}

export interface OidcClientsOptions {
  allowInsecureIssuers: boolean;
  ttlMs?: number;
}

/** The provider could not be reached or described itself in a way we cannot use. */
export class ProviderUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderUnavailable';
  }
}

interface CachedConfiguration {
  configuration: Promise<client.Configuration>;
  expiresAt: number;
}

/**
 * Discovered OpenID Connect client configurations, one per distinct set of provider settings.
 * The cache key covers the issuer, client id and a hash of the secret, so changing any of them
 * in the admin pages takes effect on the next sign-in.
 */
export class OidcClients {
  readonly #allowInsecureIssuers: boolean;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CachedConfiguration>();

  constructor(options: OidcClientsOptions) {
    this.#allowInsecureIssuers = options.allowInsecureIssuers;
    this.#ttlMs = options.ttlMs ?? CONFIGURATION_TTL_MS;
  }

  async configurationFor(settings: ProviderSettings): Promise<client.Configuration> {
    const now = Date.now();
    this.#forgetExpired(now);
    const key = cacheKey(settings);
    const cached = this.#cache.get(key);
    if (cached) return cached.configuration;
    const entry = { configuration: this.#discover(settings), expiresAt: now + this.#ttlMs };
    this.#cache.set(key, entry);
    // A failed discovery is not remembered: the next sign-in asks the provider again.
    entry.configuration.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return entry.configuration;
  }

  async #discover(settings: ProviderSettings): Promise<client.Configuration> {
    const issuer = parseIssuer(settings.issuer);
    const insecure = issuer.protocol === 'http:';
    if (insecure && !this.#allowInsecureIssuers) {
      throw new ProviderUnavailable(`http:// issuer ${issuer.origin} refused: OIDC_ALLOW_INSECURE_ISSUERS is off`);
    }
    try {
      return await client.discovery(issuer, settings.clientId, settings.clientSecret ?? undefined, clientAuthentication(settings.clientSecret), {
        timeout: DISCOVERY_TIMEOUT_SECONDS,
        execute: insecure ? [client.allowInsecureRequests] : [],
      });
    } catch (error) {
      throw new ProviderUnavailable(`discovery failed for ${issuer.origin}`, { cause: error });
    }
  }

  #forgetExpired(now: number): void {
    for (const [key, entry] of this.#cache) {
      if (entry.expiresAt <= now) this.#cache.delete(key);
    }
  }
}

/** A confidential client proves itself with its secret; a public one relies on PKCE alone. */
function clientAuthentication(clientSecret: string | null): client.ClientAuth {
  return clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
}

function parseIssuer(issuer: string): URL {
  try {
    return new URL(issuer);
  } catch (error) {
    throw new ProviderUnavailable('issuer is not a URL', { cause: error });
  }
}

// The secret is hashed so that it never sits in the key itself.
function cacheKey(settings: ProviderSettings): string {
  return sha256Hex(JSON.stringify([settings.issuer, settings.clientId, settings.clientSecret]));
}
