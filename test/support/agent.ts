import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Response } from 'light-my-request';

type Form = Record<string, string | string[] | undefined>;

/**
 * A browser stand-in for `app.inject`: keeps cookies between requests and finds the CSRF token
 * in the pages it has seen, so tests read like the journey (get the form, post it).
 */
export class TestAgent {
  readonly #app: FastifyInstance;
  readonly cookies = new Map<string, string>();
  #csrfToken: string | undefined;
  lastResponse: Response | undefined;

  constructor(app: FastifyInstance) {
    this.#app = app;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request({ method: 'GET', url, headers });
  }

  /** Posts a form with the CSRF token of the current session (pass `_csrf` to override). */
  async post(url: string, form: Form = {}, headers: Record<string, string> = {}): Promise<Response> {
    const body = { _csrf: await this.csrfToken(), ...form };
    return this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: encodeForm(body),
    });
  }

  /** Posts a multipart form (a file upload) the way the page's form does: the CSRF token in the query string. */
  async postMultipart(url: string, form: FormData): Promise<Response> {
    const encoded = new globalThis.Response(form);
    const separator = url.includes('?') ? '&' : '?';
    return this.request({
      method: 'POST',
      url: `${url}${separator}_csrf=${encodeURIComponent(await this.csrfToken())}`,
      headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
      payload: Buffer.from(await encoded.arrayBuffer()),
    });
  }

  async request(options: InjectOptions): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.#app.inject({
      ...options,
      headers: { ...(cookie ? { cookie } : {}), ...(options.headers as Record<string, string>) },
    });
    for (const set of response.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      const expired = set.value === '' || (set.expires && set.expires.getTime() < Date.now()) || set.maxAge === 0;
      if (expired) this.cookies.delete(set.name);
      else if (this.cookies.get(set.name) !== set.value) {
        this.cookies.set(set.name, set.value);
        this.#csrfToken = undefined;
      }
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.#csrfToken = token;
    this.lastResponse = response;
    return response;
  }

  /** Follows one redirect. */
  async follow(response: Response): Promise<Response> {
    const location = response.headers.location;
    if (!location) throw new Error(`Expected a redirect, got ${response.statusCode}`);
    return this.get(String(location));
  }

  async csrfToken(): Promise<string> {
    if (this.#csrfToken) return this.#csrfToken;
    // Any page with a form gives the session a token: the sign-in page for visitors, the
    // account page (sign-out form) for signed-in users.
    const page = await this.get('/sign-in');
    if (!this.#csrfToken && page.statusCode === 302) await this.get('/profile');
    if (!this.#csrfToken) throw new Error('No CSRF token found');
    return this.#csrfToken;
  }
}

export function encodeForm(form: Form): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    if (value === undefined) continue;
    for (const item of [value].flat()) params.append(key, item);
  }
  return params.toString();
}
