import type { Kysely } from 'kysely';
import * as client from 'openid-client';
import type { Database, UserRow } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import { paths } from '../../shared/paths.ts';
import { isRole } from '../../shared/permissions.ts';
import type { OidcFlow } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { OrganisationsService } from '../organisations/organisationsService.ts';
import { UsersRepository } from '../users/usersRepository.ts';
import type { AuthService, FirstFactorPassed } from './authService.ts';
import type { OidcClients } from './oidcClient.ts';

const SCOPE = 'openid email profile';

export interface SingleSignOnStart {
  authorizationUrl: string;
  flow: OidcFlow;
}

export type SingleSignOnOutcome = FirstFactorPassed | { outcome: 'failed'; reason: string };

/** Who the provider says signed in: the ID token claims, topped up from userinfo if need be. */
interface Identity {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
}

type AccountMatch = { user: UserRow; link: boolean } | { reason: string; user?: UserRow };

/**
 * Signing in through an organisation's OpenID Connect provider. The provider vouches for who
 * the person is; OneRoof still decides whether they have an account, and whether a second
 * factor is needed (unless the organisation says its provider already asked for one).
 */
export class SingleSignOnService {
  readonly #organisations: OrganisationsService;
  readonly #auth: AuthService;
  readonly #audit: AuditTrail;
  readonly #users: UsersRepository;
  readonly #clients: OidcClients;
  readonly #redirectUri: string;

  constructor(db: Kysely<Database>, audit: AuditTrail, organisations: OrganisationsService, auth: AuthService, clients: OidcClients, baseUrl: string) {
    this.#organisations = organisations;
    this.#auth = auth;
    this.#audit = audit;
    this.#users = new UsersRepository(db);
    this.#clients = clients;
    this.#redirectUri = `${withoutTrailingSlash(baseUrl)}${paths.auth.ssoCallback()}`;
  }

  /** The provider's sign-in address, and what the callback must check. Throws ProviderUnavailable. */
  async begin(organisationId: string, returnTo: string): Promise<SingleSignOnStart> {
    const settings = await this.#organisations.singleSignOnSettings(organisationId);
    if (!settings) throw new NotFound();
    const configuration = await this.#clients.configurationFor(settings);
    const codeVerifier = client.randomPKCECodeVerifier();
    const flow: OidcFlow = { organisationId, state: client.randomState(), nonce: client.randomNonce(), codeVerifier, returnTo };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { authorizationUrl: url.href, flow };
  }

  /** Checks the provider's answer to the flow begun in this session and finds the account. */
  async complete(flow: OidcFlow, callbackUrl: URL, actor: Actor): Promise<SingleSignOnOutcome> {
    const settings = await this.#organisations.singleSignOnSettings(flow.organisationId);
    if (!settings) return this.#fail(actor, flow.organisationId, await this.#whyUnavailable(flow.organisationId));
    let identity: Identity;
    try {
      const configuration = await this.#clients.configurationFor(settings);
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        pkceCodeVerifier: flow.codeVerifier,
      });
      identity = await identityFrom(configuration, tokens);
    } catch (error) {
      return this.#fail(actor, flow.organisationId, 'provider-error', { error: errorCode(error) });
    }
    const match = await this.#accountFor(flow.organisationId, identity);
    const email = typeof identity.email === 'string' ? identity.email : undefined;
    if ('reason' in match) return this.#fail(actor, flow.organisationId, match.reason, { user: match.user, email });
    if (match.user.disabled) return this.#fail(actor, flow.organisationId, 'account-disabled', { user: match.user });
    if (match.link) await this.#link(match.user, identity.sub, actor);
    return this.#auth.afterSingleSignOn(match.user, settings.satisfiesMfa, actor);
  }

  async #accountFor(organisationId: string, identity: Identity): Promise<AccountMatch> {
    const linked = await this.#users.findByOidcSubject(organisationId, identity.sub);
    if (linked) return { user: linked, link: false };
    if (typeof identity.email !== 'string' || identity.email === '') return { reason: 'no-email' };
    if (identity.email_verified === false) return { reason: 'email-not-verified' };
    const user = await this.#users.findByEmail(identity.email);
    if (!user || user.organisation_id !== organisationId) return { reason: 'unknown-account' };
    // Someone else at the provider already owns this account: an address is not enough to take it over.
    if (user.oidc_subject !== null) return { reason: 'subject-mismatch', user };
    return { user, link: true };
  }

  // The organisation was switched off, or its single sign-on was, while the person was away.
  async #whyUnavailable(organisationId: string): Promise<string> {
    const organisation = await this.#organisations.find(organisationId);
    return organisation && !organisation.active ? 'organisation-inactive' : 'sso-disabled';
  }

  async #link(user: UserRow, subject: string, actor: Actor): Promise<void> {
    await this.#audit.run(actorFor(user, actor), async (trx, audit) => {
      await this.#users.update(trx, user.id, { oidc_subject: subject });
      audit({ action: 'USER_UPDATED', recordType: 'user', recordId: user.id, details: { changed: ['oidcSubject'] } });
    });
  }

  async #fail(
    actor: Actor,
    organisationId: string,
    reason: string,
    context: { user?: UserRow | undefined; email?: string | undefined; error?: string | undefined } = {},
  ): Promise<SingleSignOnOutcome> {
    const label = context.user?.email ?? context.email ?? actor.label;
    await this.#audit.record(
      { ...actor, label },
      {
        action: 'SSO_SIGN_IN_FAILED',
        organisationId,
        recordType: context.user ? 'user' : undefined,
        recordId: context.user?.id,
        details: { reason, ...(context.error ? { error: context.error } : {}) },
      },
    );
    return { outcome: 'failed', reason };
  }
}

/** Many providers keep the address out of the ID token and give it from userinfo only. */
async function identityFrom(configuration: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<Identity> {
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  if (claims.email !== undefined || !configuration.serverMetadata().userinfo_endpoint) return claims;
  const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
  return { email: userInfo.email, email_verified: userInfo.email_verified, sub: claims.sub };
}

/** A short, token-free label for why the provider's answer was refused. */
function errorCode(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const { code, error: oauthError } = error as { code?: unknown; error?: unknown };
  if (typeof oauthError === 'string') return oauthError;
  if (typeof code === 'string') return code;
  return error.name;
}

function actorFor(user: UserRow, actor: Actor): Actor {
  return { ...actor, userId: user.id, label: user.email, organisationId: user.organisation_id, role: isRole(user.role) ? user.role : null };
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
