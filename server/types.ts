import type { Actor } from './shared/actor.ts';
import type { Locale, Translate } from './shared/i18n/index.ts';
import type { Access, Permission, Role } from './shared/permissions.ts';

/** The signed-in person, as every request sees them. */
export interface CurrentUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  organisationId: string;
  organisationName: string;
  locale: Locale | null;
  mfaEnabled: boolean;
}

/** An API key's identity for the request it authenticated. */
export interface ApiClient {
  keyId: string;
  name: string;
  organisationId: string;
  permissions: Permission[];
}

export interface PendingSignIn {
  userId: string;
  step: 'verify' | 'set-up';
  method: 'password' | 'sso';
  startedAt: number;
  returnTo?: string;
}

export interface OidcFlow {
  organisationId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo?: string;
}

export interface FlashMessage {
  kind: 'success' | 'important';
  /** Already translated text. */
  text: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    declaredRoutes: import('./middleware/requestContext.ts').DeclaredRoute[];
  }

  interface FastifyContextConfig {
    /** Who may reach the route. Every route must declare it (checked when routes register). */
    access?: Access;
    /** JSON API route: authenticated by API key, answers problem JSON. */
    api?: boolean;
  }

  interface FastifyRequest {
    user: CurrentUser | null;
    apiClient: ApiClient | null;
    locale: Locale;
    t: Translate;
    actor: Actor;
  }

  interface FastifyReply {
    render(template: string, context?: Record<string, unknown>): FastifyReply;
  }

  interface Session {
    userId?: string;
    signedInAt?: number;
    /** Last time activity extended the idle expiry. */
    touchedAt?: number;
    pending?: PendingSignIn;
    enrolmentSecret?: string;
    locale?: Locale;
    flash?: FlashMessage;
    oidc?: OidcFlow;
  }
}
