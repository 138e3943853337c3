import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { ActionsService } from '../actions/actionsService.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { type CasesService, viewerOf } from '../cases/casesService.ts';
import type { TimelineService } from '../timeline/timelineService.ts';
import { nextOccurrences, startsAt } from './meetingSchedule.ts';
import { MeetingsRepository } from './meetingsRepository.ts';
import type { FlagInput, MinutesInput, SeriesInput } from './meetingsSchemas.ts';

/** How many meetings ahead "schedule the next meetings" creates. */
const OCCURRENCES_AHEAD = 4;

/**
 * Multi-agency meetings: series with their schedule and member organisations, cases flagged
 * for discussion, the agenda (what each organisation may see), the confidentiality statement
 * each attendee accepts before seeing it, minutes written onto the case timeline and actions
 * created on the case, through the timeline and actions services and so through the case's own
 * need-to-know check.
 */
export class MeetingsService {
  readonly #db: Kysely<Database>;
  readonly #repository: MeetingsRepository;
  readonly #audit: AuditTrail;
  readonly #cases: CasesService;
  readonly #timeline: TimelineService;
  readonly #actions: ActionsService;

  constructor(db: Kysely<Database>, audit: AuditTrail, cases: CasesService, timeline: TimelineService, actions: ActionsService) {
    this.#db = db;
    this.#repository = new MeetingsRepository(db);
    this.#audit = audit;
    this.#cases = cases;
    this.#timeline = timeline;
    this.#actions = actions;
  }

  async overview(user: CurrentUser) {
    return this.#repository.seriesFor(user.organisationId, londonToday());
  }

  async organisations() {
    return this.#repository.activeOrganisations();
  }

  /** A new series; the creator's organisation is always a member. Its first meetings are scheduled at once. */
  async createSeries(user: CurrentUser, input: SeriesInput, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const members = [...new Set([user.organisationId, ...input.members])];
      const clash = await trx.selectFrom('meeting_series').select('id').where('name', '=', input.name).executeTakeFirst();
      if (clash) throw new ValidationFailed({ name: 'meetings.errors.nameTaken' });
      const series = await this.#repository.insertSeries(
        trx,
        {
          name: input.name,
          kind: input.kind,
          purpose: input.purpose,
          every_weeks: input.everyWeeks,
          first_date: input.firstDate!,
          start_time: input.startTime,
          location: input.location,
          confidentiality_statement: input.confidentialityStatement,
          created_by: user.id,
        },
        members,
      );
      const dates = nextOccurrences(series, input.firstDate! > londonToday() ? input.firstDate! : londonToday(), OCCURRENCES_AHEAD);
      await this.#repository.insertMeetings(trx, series.id, dates.map((heldOn) => ({ heldOn, startsAt: startsAt(heldOn, series.start_time) })));
      audit({ action: 'MEETING_SERIES_CREATED', recordType: 'meeting_series', recordId: series.id, details: { name: series.name, members, everyWeeks: series.every_weeks } });
      return series;
    });
  }

  /** A series the user's organisation belongs to, with its members and meetings; otherwise "not found". */
  async series(user: CurrentUser, seriesId: string) {
    const series = await this.#repository.series(seriesId);
    if (!series || !(await this.#repository.isMember(this.#db, series.id, user.organisationId))) throw new NotFound();
    const [members, meetings] = await Promise.all([this.#repository.members(this.#db, series.id), this.#repository.meetingsOf(this.#db, series.id)]);
    return { series, members, meetings, upcoming: nextOccurrences(series, londonToday(), OCCURRENCES_AHEAD) };
  }

  /** Adds the next meetings after the latest one already scheduled (or from today). */
  async schedule(user: CurrentUser, seriesId: string, actor: Actor): Promise<number> {
    return this.#audit.run(actor, async (trx, audit) => {
      const series = await this.#repository.series(seriesId, trx);
      if (!series || !(await this.#repository.isMember(trx, series.id, user.organisationId))) throw new NotFound();
      const latest = await this.#repository.latestMeetingDate(trx, series.id);
      const from = latest && latest >= londonToday() ? addDays(latest, 1) : londonToday();
      const dates = nextOccurrences(series, from, OCCURRENCES_AHEAD);
      const added = await this.#repository.insertMeetings(trx, series.id, dates.map((heldOn) => ({ heldOn, startsAt: startsAt(heldOn, series.start_time) })));
      audit({ action: 'MEETINGS_SCHEDULED', recordType: 'meeting_series', recordId: series.id, details: { added, dates } });
      return added;
    });
  }

  /**
   * A meeting page: before the attendee has accepted the confidentiality statement, only the
   * statement; afterwards the agenda their organisation may see (audited, it names cases).
   */
  async meeting(user: CurrentUser, meetingId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const meeting = await this.#memberMeeting(trx, user, meetingId);
      const accepted = await this.#repository.hasAccepted(trx, meeting.id, user.id);
      if (!accepted) return { meeting, accepted, agenda: undefined, attendees: [] };
      const agenda = await this.#repository.agenda(trx, meeting, viewerOf(user), londonToday());
      const attendees = await this.#repository.attendees(trx, meeting.id);
      audit({ action: 'MEETING_VIEWED', recordType: 'meeting', recordId: meeting.id, details: { cases: agenda.items.map((item) => item.case_id), hidden: agenda.hidden } });
      return { meeting, accepted, agenda, attendees };
    });
  }

  /** Accepting the statement records the attendee's attendance. */
  async accept(user: CurrentUser, meetingId: string, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const meeting = await this.#memberMeeting(trx, user, meetingId);
      if (await this.#repository.accept(trx, meeting.id, user.id, user.organisationId)) {
        audit({ action: 'MEETING_CONFIDENTIALITY_ACCEPTED', recordType: 'meeting', recordId: meeting.id });
      }
    });
  }

  /** The meeting pack: the agenda as the user's organisation may see it, for printing. */
  async pack(user: CurrentUser, meetingId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const meeting = await this.#memberMeeting(trx, user, meetingId);
      if (!(await this.#repository.hasAccepted(trx, meeting.id, user.id))) return { meeting, accepted: false as const };
      const agenda = await this.#repository.agenda(trx, meeting, viewerOf(user), londonToday());
      const attendees = await this.#repository.attendees(trx, meeting.id);
      audit({ action: 'MEETING_PACK_VIEWED', recordType: 'meeting', recordId: meeting.id, details: { cases: agenda.items.map((item) => item.case_id), hidden: agenda.hidden } });
      return { meeting, accepted: true as const, agenda, attendees };
    });
  }

  /**
   * One agenda item for the minutes form: the case through the case's own check (a case the
   * organisation may not see is "not found"), with the agencies and officers an action may go to.
   */
  async item(user: CurrentUser, meetingId: string, itemId: string, actor: Actor) {
    const { meeting, item } = await this.#acceptedItem(user, meetingId, itemId);
    const opened = await this.#cases.view(user, item.case_id, actor, 'meeting');
    const { agencies, officers } = await this.#actions.newActionForm(user, item.case_id, actor);
    return { meeting, item, opened, agencies, officers };
  }

  /**
   * Writes the minutes onto the case timeline (a standard note headed with the meeting) and, when
   * given, an action on the case, through the timeline and actions services. The action goes
   * first: it is the part that can be refused (owner not on the case, a past date), and nothing
   * is written when it is.
   */
  async recordMinutes(user: CurrentUser, meetingId: string, itemId: string, input: MinutesInput, heading: string, actor: Actor) {
    const { meeting, item } = await this.#acceptedItem(user, meetingId, itemId);
    const action = input.actionTitle
      ? await this.#actions.createAction(
          user,
          item.case_id,
          { title: input.actionTitle, description: `${heading}`, ownerOrganisationId: input.actionOwnerOrganisationId!, ownerUserId: input.actionOwnerUserId, dueDate: input.actionDueDate! },
          actor,
        )
      : null;
    const noteId = await this.#timeline.addNote(user, item.case_id, { body: `${heading}\n\n${input.minutes}`, sensitivity: 'standard' }, undefined, actor);
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.recordMinutes(trx, { meetingId: meeting.id, caseId: item.case_id, noteId, actionId: action?.id ?? null, userId: user.id, flagId: item.id });
      audit({ action: 'MEETING_MINUTES_RECORDED', recordType: 'meeting', recordId: meeting.id, details: { caseId: item.case_id, noteId, actionId: action?.id ?? null } });
    });
    return { caseId: item.case_id, noteId, actionId: action?.id ?? null };
  }

  /** The case's meetings page: the series it may be flagged for, and where it is waiting. */
  async caseMeetings(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page: 'meetings' } });
      const [series, flags, minutes] = await Promise.all([
        this.#repository.seriesOfOrganisation(trx, user.organisationId),
        this.#repository.openFlagsForCase(trx, caseId),
        this.#repository.minutesForCase(trx, caseId),
      ]);
      return { opened, series, flags, minutes };
    });
  }

  /** Flags the case for its series' next meeting: someone working on the case, in a member organisation. */
  async flag(user: CurrentUser, caseId: string, input: FlagInput, actor: Actor): Promise<void> {
    await this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      if (!opened.policy.canEdit) throw new NotFound();
      const series = await this.#repository.series(input.seriesId, trx);
      if (!series || !(await this.#repository.isMember(trx, series.id, user.organisationId))) throw new ValidationFailed({ seriesId: 'meetings.errors.seriesMissing' });
      if (await this.#repository.openFlag(trx, series.id, caseId)) throw new Conflict('Already flagged', { seriesId: 'meetings.errors.alreadyFlagged' });
      const flag = await this.#repository.insertFlag(trx, { series_id: series.id, case_id: caseId, reason: input.reason, flagged_by: user.id, flagged_by_organisation_id: user.organisationId });
      audit({ action: 'MEETING_CASE_FLAGGED', recordType: 'case', recordId: caseId, details: { seriesId: series.id, flagId: flag.id } });
    });
  }

  async #acceptedItem(user: CurrentUser, meetingId: string, itemId: string) {
    const db = this.#db;
    const meeting = await this.#memberMeeting(db, user, meetingId);
    if (!(await this.#repository.hasAccepted(db, meeting.id, user.id))) throw new ConfidentialityNotAccepted(meeting.id);
    const item = await this.#repository.item(db, meeting, itemId);
    if (!item) throw new NotFound();
    return { meeting, item };
  }

  async #memberMeeting(executor: Kysely<Database>, user: CurrentUser, meetingId: string) {
    const meeting = await this.#repository.meeting(meetingId, executor);
    if (!meeting || !(await this.#repository.isMember(executor, meeting.series_id, user.organisationId))) throw new NotFound();
    return meeting;
  }

}

/** The attendee has not accepted the meeting's confidentiality statement: the page sends them to it. */
export class ConfidentialityNotAccepted extends Error {
  readonly meetingId: string;

  constructor(meetingId: string) {
    super('Confidentiality statement not accepted');
    this.meetingId = meetingId;
  }
}
