/**
 * Every URL in OneRoof, built from typed patterns: `paths.admin.users.show({ userId })`.
 * Routes register `pattern`; views and redirects call the builder. Never hand-build a URL.
 */
type ParamNames<P extends string> = P extends `${string}:${infer Param}/${infer Rest}`
  ? Param | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Param}`
    ? Param
    : never;

type PathParams<P extends string> = { [K in ParamNames<P>]: string | number };

export type TypedPath<P extends string> = ([ParamNames<P>] extends [never]
  ? () => string
  : (params: PathParams<P>) => string) & { pattern: P };

export function path<P extends string>(pattern: P): TypedPath<P> {
  const build = (params: Record<string, string | number> = {}) =>
    pattern.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`Missing path parameter ${name} for ${pattern}`);
      return encodeURIComponent(String(value));
    });
  return Object.assign(build, { pattern }) as TypedPath<P>;
}

export const paths = {
  home: path('/'),
  health: path('/health'),
  info: path('/info'),
  ping: path('/ping'),
  accessibility: path('/accessibility'),
  privacy: path('/privacy'),
  auth: {
    signIn: path('/sign-in'),
    signOut: path('/sign-out'),
    signedOut: path('/signed-out'),
    verify: path('/sign-in/verify'),
    recoveryCode: path('/sign-in/recovery-code'),
    setUpVerification: path('/sign-in/set-up-verification'),
    recoveryCodes: path('/sign-in/recovery-codes'),
    forgotPassword: path('/forgot-password'),
    resetPassword: path('/reset-password/:token'),
    acceptInvite: path('/invite/:token'),
    ssoStart: path('/sign-in/sso/:organisationId'),
    ssoCallback: path('/sign-in/sso/callback'),
  },
  profile: {
    show: path('/profile'),
    password: path('/profile/password'),
    recoveryCodes: path('/profile/recovery-codes'),
    setUpVerification: path('/profile/set-up-verification'),
  },
  admin: {
    index: path('/admin'),
    partnership: path('/admin/partnership'),
    organisations: {
      index: path('/admin/organisations'),
      new: path('/admin/organisations/new'),
      show: path('/admin/organisations/:organisationId'),
      edit: path('/admin/organisations/:organisationId/edit'),
      signOn: path('/admin/organisations/:organisationId/single-sign-on'),
    },
    users: {
      index: path('/admin/users'),
      new: path('/admin/users/new'),
      show: path('/admin/users/:userId'),
      edit: path('/admin/users/:userId/edit'),
      status: path('/admin/users/:userId/status'),
      resendInvite: path('/admin/users/:userId/invite'),
      passwordReset: path('/admin/users/:userId/password-reset'),
      resetVerification: path('/admin/users/:userId/reset-verification'),
    },
    apiKeys: {
      index: path('/admin/api-keys'),
      new: path('/admin/api-keys/new'),
      show: path('/admin/api-keys/:apiKeyId'),
      revoke: path('/admin/api-keys/:apiKeyId/revoke'),
    },
    outbox: {
      index: path('/admin/outbox'),
      show: path('/admin/outbox/:messageId'),
    },
    audit: {
      index: path('/admin/audit'),
      show: path('/admin/audit/:seq'),
    },
    caseSettings: path('/admin/case-settings'),
    caseTypes: {
      index: path('/admin/case-types'),
      new: path('/admin/case-types/new'),
      edit: path('/admin/case-types/:code'),
      move: path('/admin/case-types/:code/move'),
    },
    breakGlass: {
      index: path('/admin/break-glass'),
      review: path('/admin/break-glass/:grantId/review'),
    },
  },
  cases: {
    index: path('/cases'),
    actionsDue: path('/cases/actions-due'),
    reviewsDue: path('/cases/reviews-due'),
    export: path('/cases/export.csv'),
    search: path('/cases/search'),
    new: path('/cases/new'),
    breakGlass: path('/cases/break-glass'),
    show: path('/cases/:caseId'),
    edit: path('/cases/:caseId/edit'),
    status: path('/cases/:caseId/status'),
    agencies: path('/cases/:caseId/agencies'),
    removeAgency: path('/cases/:caseId/agencies/:organisationId/remove'),
    people: path('/cases/:caseId/people'),
    linkPerson: path('/cases/:caseId/people/link'),
    newPerson: path('/cases/:caseId/people/new'),
    unlinkPerson: path('/cases/:caseId/people/:personId/:role/remove'),
    locations: path('/cases/:caseId/locations'),
    newLocation: path('/cases/:caseId/locations/new'),
    links: path('/cases/:caseId/links'),
    risk: path('/cases/:caseId/risk'),
    newAssessment: path('/cases/:caseId/risk/:instrument/new'),
    assessment: path('/cases/:caseId/risk/assessments/:assessmentId'),
    actions: path('/cases/:caseId/actions'),
    newAction: path('/cases/:caseId/actions/new'),
    editAction: path('/cases/:caseId/actions/:actionId/edit'),
    newIntervention: path('/cases/:caseId/interventions/new'),
    editIntervention: path('/cases/:caseId/interventions/:interventionId/edit'),
    timeline: path('/cases/:caseId/timeline'),
    newNote: path('/cases/:caseId/notes/new'),
    attachment: path('/cases/:caseId/attachments/:attachmentId'),
    referrals: path('/cases/:caseId/referrals'),
    newReferral: path('/cases/:caseId/referrals/new'),
  },
  people: {
    search: path('/people'),
    show: path('/people/:personId'),
    edit: path('/people/:personId/edit'),
    markers: path('/people/:personId/markers'),
    newAddress: path('/people/:personId/addresses/new'),
    endAddress: path('/people/:personId/addresses/:addressId/end'),
  },
  households: {
    new: path('/people/:personId/households/new'),
    members: path('/people/:personId/households/:householdId/members'),
    removeMember: path('/people/:personId/households/:householdId/members/:memberId/remove'),
  },
  caseReviewApplication: {
    start: path('/asb-case-review'),
    applyingFor: path('/asb-case-review/who-is-applying'),
    applicantName: path('/asb-case-review/your-name'),
    personAffected: path('/asb-case-review/person-affected'),
    contact: path('/asb-case-review/contact-details'),
    problem: path('/asb-case-review/the-problem'),
    location: path('/asb-case-review/where'),
    incidents: path('/asb-case-review/incidents'),
    incident: path('/asb-case-review/incidents/:incidentNumber'),
    removeIncident: path('/asb-case-review/incidents/:incidentNumber/remove'),
    impact: path('/asb-case-review/impact'),
    vulnerability: path('/asb-case-review/vulnerability'),
    hate: path('/asb-case-review/hate'),
    checkAnswers: path('/asb-case-review/check-answers'),
    confirmation: path('/asb-case-review/confirmation'),
    track: path('/asb-case-review/track/:token'),
    appeal: path('/asb-case-review/track/:token/appeal'),
  },
  caseReviews: {
    index: path('/case-reviews'),
    statistics: path('/case-reviews/statistics'),
    settings: path('/case-reviews/settings'),
    show: path('/case-reviews/:applicationId'),
    acknowledge: path('/case-reviews/:applicationId/acknowledge'),
    decision: path('/case-reviews/:applicationId/threshold-decision'),
    meeting: path('/case-reviews/:applicationId/meeting'),
    newRecommendation: path('/case-reviews/:applicationId/recommendations/new'),
    recommendationStatus: path('/case-reviews/:applicationId/recommendations/:recommendationId/status'),
    outcome: path('/case-reviews/:applicationId/outcome'),
    letter: path('/case-reviews/:applicationId/letter'),
    sendLetter: path('/case-reviews/:applicationId/letter/send'),
    appeal: path('/case-reviews/:applicationId/appeal'),
  },
  referrals: {
    inbox: path('/referrals/inbox'),
    sent: path('/referrals/sent'),
    dashboard: path('/referrals/dashboard'),
    show: path('/referrals/:referralId'),
    acknowledge: path('/referrals/:referralId/acknowledge'),
    accept: path('/referrals/:referralId/accept'),
    decline: path('/referrals/:referralId/decline'),
    moreInfo: path('/referrals/:referralId/more-information'),
    provideInfo: path('/referrals/:referralId/provide-information'),
    withdraw: path('/referrals/:referralId/withdraw'),
    redirect: path('/referrals/:referralId/redirect'),
    newForPerson: path('/people/:personId/referrals/new'),
    pathways: path('/admin/referral-pathways'),
    newPathway: path('/admin/referral-pathways/new'),
    editPathway: path('/admin/referral-pathways/:pathwayId'),
  },
  notifications: {
    index: path('/notifications'),
    read: path('/notifications/:notificationId/read'),
  },
  api: {
    openapi: path('/api/v1/openapi.json'),
    docs: path('/api/v1/docs'),
    me: path('/api/v1/me'),
    organisations: path('/api/v1/organisations'),
  },
} as const;

/** Only same-site relative paths survive: anything else (//host, https://…, \\) becomes `fallback`. */
export function safeReturnPath(candidate: unknown, fallback: string = paths.home()): string {
  if (typeof candidate !== 'string') return fallback;
  if (!/^\/(?![/\\])/.test(candidate) || /[\u0000-\u001f]/.test(candidate)) return fallback;
  return candidate;
}
