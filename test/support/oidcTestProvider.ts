import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const TEST_CLIENT_ID = 'oneroof';
export const TEST_CLIENT_SECRET = 'oneroof-test-client-secret-0123456789';

export interface ProviderAccount {
  email: string;
  emailVerified?: boolean;
}

export interface TestProvider {
  issuer: string;
  /** Login name (also the subject) → what the provider says about that person. */
  accounts: Map<string, ProviderAccount>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (oidc-provider) on a random local port, with one confidential
 * client whose redirect goes to `redirectUri`. Its development login page signs in whatever
 * login name is typed, so tests choose the person by choosing the name.
 */
export async function startTestProvider(options: { redirectUri: string; emailInIdToken?: boolean }): Promise<TestProvider> {
  const accounts = new Map<string, ProviderAccount>();
  // The issuer names the port, so the server listens before the provider exists.
  let handler: RequestListener | undefined;
  const server = createServer((request, response) => handler?.(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: [options.redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // By default the provider keeps profile claims out of the ID token (userinfo only).
    conformIdTokenClaims: !(options.emailInIdToken ?? true),
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    findAccount: (_context, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: account.email, email_verified: account.emailVerified ?? true }) };
    },
  });
  handler = provider.callback();
  return { issuer, accounts, close: () => closeServer(server) };
}

/** An address on which nothing listens: a provider that is down. */
export async function unusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/**
 * Plays the browser at the provider: follows its redirects, signs in as `login` on its login page
 * and agrees on its consent page, until it redirects to an address under `returnBase` (our
 * callback), which it returns without visiting.
 */
export async function authoriseAtProvider(authorizationUrl: string, login: string, returnBase: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop += 1) {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      body: form,
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    keepCookies(cookies, response);
    const location = response.headers.get('location');
    const body = await response.text();
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(returnBase)) return next;
      url = next;
      form = undefined;
      continue;
    }
    if (response.status !== 200) throw new Error(`Provider answered ${response.status}: ${body.slice(0, 500)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(body)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
    if (!prompt || !action) throw new Error(`Unexpected provider page: ${body.slice(0, 500)}`);
    url = new URL(action, url);
    form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any password' } : { prompt });
  }
  throw new Error('Too many redirects at the provider');
}

function keepCookies(cookies: Map<string, string>, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair = '', ...attributes] = header.split(';');
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = value === '' || attributes.some((attribute) => /^\s*(max-age=0|expires=Thu, 01 Jan 1970)/i.test(attribute));
    if (expired) cookies.delete(name);
    else cookies.set(name, value);
  }
}
