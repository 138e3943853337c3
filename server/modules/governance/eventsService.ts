import { TZDate } from '@date-fns/tz';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type Actor, publicActor } from '../../shared/actor.ts';
import { randomToken } from '../../shared/crypto.ts';
import { londonToday } from '../../shared/dates.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { EventsRepository } from './eventsRepository.ts';
import type { EventForm } from './governanceSchemas.ts';

function londonInstant(isoDate: string, time: string): Date {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return new Date(new TZDate(year, month - 1, day, hours, minutes, 'Europe/London').getTime());
}

/**
 * Partnership events such as the Community Safety Assembly: agenda and workshops, registration
 * of partners' staff and invited guests (one place per e-mail address, never above capacity), a
 * feedback survey guests reach by the event's link, and "you said, we did" follow-ups.
 */
export class EventsService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #repository = new EventsRepository();
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, audit: AuditTrail, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#audit = audit;
    this.#now = options.now ?? (() => new Date());
  }

  async list() {
    const now = this.#now();
    return (await this.#repository.list(this.#db)).map((event) => ({ ...event, registered: Number(event.registered ?? 0), past: event.ends_at < now }));
  }

  async create(user: CurrentUser, form: EventForm, actor: Actor): Promise<string> {
    return this.#audit.run(actor, async (trx, audit) => {
      const id = await this.#repository.insert(trx, {
        title: form.title,
        kind: form.kind,
        description: form.description,
        venue: form.venue,
        startsAt: londonInstant(form.eventDate, form.startTime),
        endsAt: londonInstant(form.eventDate, form.endTime),
        capacity: form.capacity,
        surveyToken: randomToken(24),
        agenda: form.agenda,
        workshops: form.workshops,
        createdBy: user.id,
      });
      audit({ action: 'GOVERNANCE_EVENT_CREATED', recordType: 'governance_event', recordId: id, details: { title: form.title, capacity: form.capacity } });
      return id;
    });
  }

  /**
   * One event. Those who manage events also see who is registered (names and e-mail addresses,
   * so the read is audited), the feedback and the survey link.
   */
  async event(eventId: string, user: CurrentUser, actor: Actor, options: { manage: boolean }) {
    return this.#audit.run(actor, async (trx, audit) => {
      const event = await this.#repository.find(trx, eventId);
      if (!event) throw new NotFound();
      const [agenda, workshops, registered, isRegistered, followUps] = await Promise.all([
        this.#repository.agenda(trx, event.id),
        this.#repository.workshops(trx, event.id),
        this.#repository.registrationCount(trx, event.id),
        this.#repository.isRegistered(trx, event.id, user.email),
        this.#repository.followUps(trx, event.id),
      ]);
      const now = this.#now();
      const details = { event, agenda, workshops, registered, isRegistered, followUps, past: event.ends_at < now, started: event.starts_at <= now, full: registered >= event.capacity };
      if (!options.manage) return { ...details, registrations: null, feedback: null };
      const registrations = await this.#repository.registrations(trx, event.id);
      const feedback = await this.#repository.feedbackSummary(trx, event.id);
      audit({ action: 'GOVERNANCE_EVENT_VIEWED', recordType: 'governance_event', recordId: event.id, details: { registrations: registrations.length } });
      return { ...details, registrations, feedback };
    });
  }

  async registerSelf(user: CurrentUser, eventId: string, actor: Actor) {
    await this.#register(eventId, actor, { userId: user.id, organisationId: user.organisationId, name: user.name, email: user.email, organisationName: user.organisationName, registeredBy: user.id }, 'self');
  }

  async registerGuest(user: CurrentUser, eventId: string, guest: { name: string; email: string; organisationName: string }, actor: Actor) {
    await this.#register(eventId, actor, { userId: null, organisationId: null, ...guest, registeredBy: user.id }, 'guest');
  }

  /** Locks the event so that two people taking the last place are served in turn. */
  async #register(eventId: string, actor: Actor, row: Omit<Parameters<EventsRepository['register']>[1], 'eventId'>, kind: 'self' | 'guest') {
    await this.#audit.run(actor, async (trx, audit) => {
      const event = await this.#repository.lock(trx, eventId);
      if (!event) throw new NotFound();
      if (event.starts_at < this.#now()) throw new Conflict('governance.events.errors.started');
      if (await this.#repository.isRegistered(trx, event.id, row.email)) {
        throw new Conflict(kind === 'self' ? 'governance.events.errors.alreadyRegistered' : 'governance.errors.email.alreadyRegistered', { email: 'governance.errors.email.alreadyRegistered' });
      }
      const registered = await this.#repository.registrationCount(trx, event.id);
      if (registered >= event.capacity) throw new Conflict('governance.events.errors.full');
      const inserted = await this.#repository.register(trx, { eventId: event.id, ...row });
      if (!inserted) throw new Conflict('governance.errors.email.alreadyRegistered', { email: 'governance.errors.email.alreadyRegistered' });
      audit({ action: 'GOVERNANCE_EVENT_REGISTERED', recordType: 'event_registration', recordId: inserted.id, details: { eventId: event.id, guest: kind === 'guest' } });
    });
  }

  /** The survey behind the event's link; unknown links are "not found". */
  async survey(token: string) {
    const event = await this.#repository.findByToken(this.#db, token);
    if (!event) throw new NotFound();
    return { event, open: event.starts_at <= this.#now() };
  }

  async submitFeedback(token: string, feedback: { overallRating: number; usefulnessRating: number; wentWell: string | null; improve: string | null }, from: { ip: string | null; requestId: string | null }) {
    const { event, open } = await this.survey(token);
    if (!open) throw new Conflict('governance.survey.notOpen');
    await this.#audit.run(publicActor(`event-feedback:${event.id}`, from), async (trx, audit) => {
      const saved = await this.#repository.insertFeedback(trx, event.id, feedback);
      audit({ action: 'GOVERNANCE_EVENT_FEEDBACK_SUBMITTED', recordType: 'event_feedback', recordId: saved.id, details: { eventId: event.id } });
    });
  }

  async organisations() {
    return this.#repository.activeOrganisations(this.#db);
  }

  async addFollowUp(user: CurrentUser, eventId: string, input: { youSaid: string; weWill: string; ownerOrganisationId: string }, actor: Actor) {
    await this.#audit.run(actor, async (trx, audit) => {
      const event = await this.#repository.find(trx, eventId);
      if (!event) throw new NotFound();
      const organisations = await this.#repository.activeOrganisations(trx);
      if (!isUuid(input.ownerOrganisationId) || !organisations.some((organisation) => organisation.id === input.ownerOrganisationId)) {
        throw new ValidationFailed({ ownerOrganisationId: 'governance.errors.ownerOrganisationId.missing' });
      }
      const saved = await this.#repository.insertFollowUp(trx, { eventId: event.id, ...input, createdBy: user.id });
      audit({ action: 'GOVERNANCE_FOLLOW_UP_ADDED', recordType: 'event_follow_up', recordId: saved.id, details: { eventId: event.id, owner: input.ownerOrganisationId } });
    });
  }

  /** Moves a follow-up on; marking it done records today (London) as its completion date. */
  async updateFollowUp(eventId: string, followUpId: string, change: { status: 'planned' | 'in_progress' | 'done'; weDid: string | null }, actor: Actor) {
    await this.#audit.run(actor, async (trx, audit) => {
      const event = await this.#repository.find(trx, eventId);
      if (!event) throw new NotFound();
      const completedOn = change.status === 'done' ? londonToday(this.#now()) : null;
      const updated = await this.#repository.updateFollowUp(trx, event.id, followUpId, { ...change, completedOn });
      if (!updated) throw new NotFound();
      audit({ action: 'GOVERNANCE_FOLLOW_UP_UPDATED', recordType: 'event_follow_up', recordId: followUpId, details: { status: change.status } });
    });
  }

  /** "You said, we did" for the public page: what was said, what was promised, by whom, and how far it has got. */
  async publicFollowUps() {
    return this.#repository.followUps(this.#db);
  }
}
