/**
 * Dates as writers type them, read strictly. `new Date("2025-02-30")` quietly
 * means 2 March and `new Date("2025-02-25 09:00")` uses the build machine's
 * zone, so no raw input reaches `Date`: we split the fields ourselves, check
 * that the day exists, and read a date without an offset in the site's
 * timezone (an IANA name such as `Asia/Jakarta`).
 */

export interface ParsedDate {
  date: Date
  /** False for a bare `YYYY-MM-DD`. */
  hasTime: boolean
}

export type DateParseResult = { ok: true; value: ParsedDate } | { ok: false; reason: string }

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

// 2025-02-25, 2025-02-25 09:00, 2025-02-25T09:00:00.123+07:00, 2025-01-29 18:15:32 +0530, 2025/02/25
const ISO_LIKE =
  /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i

// Tue, 25 Feb 2025 09:00:00 +0700 (RFC 5322), as copied out of an old RSS feed
const RFC_5322 =
  /^(?:[a-z]{3},?\s+)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|UT|UTC|GMT|[+-]\d{2}:?\d{2})?$/i

/**
 * Parses a date written in frontmatter. `timeZone` applies when the text has
 * no offset of its own.
 */
export function parseDate(text: string, timeZone: string): DateParseResult {
  const trimmed = text.trim()
  const iso = ISO_LIKE.exec(trimmed)
  if (iso) {
    const [, year, , month, day, hour, minute, second, fraction, offset] = iso
    return buildDate(
      {
        year: Number(year),
        month: Number(month),
        day: Number(day),
        hour: Number(hour ?? 0),
        minute: Number(minute ?? 0),
        second: Number(second ?? 0),
        millisecond: fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000),
      },
      hour !== undefined,
      offset,
      timeZone,
    )
  }
  const rfc = RFC_5322.exec(trimmed)
  if (rfc) {
    const [, day, monthName, year, hour, minute, second, offset] = rfc
    const month = MONTHS.indexOf((monthName ?? '').toLowerCase()) + 1
    if (month === 0) return { ok: false, reason: `"${monthName}" is not a month name` }
    return buildDate(
      {
        year: Number(year),
        month,
        day: Number(day),
        hour: Number(hour),
        minute: Number(minute),
        second: Number(second ?? 0),
        millisecond: 0,
      },
      true,
      offset,
      timeZone,
    )
  }
  return { ok: false, reason: 'is not a date' }
}

interface DateFields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  millisecond: number
}

function buildDate(
  fields: DateFields,
  hasTime: boolean,
  offset: string | undefined,
  timeZone: string,
): DateParseResult {
  const problem = findImpossibleField(fields)
  if (problem !== undefined) return { ok: false, reason: problem }
  const wallClock = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
    fields.millisecond,
  )
  const offsetMinutes = offset === undefined ? undefined : parseOffset(offset)
  if (offsetMinutes === null) return { ok: false, reason: `has an impossible offset "${offset}"` }
  const time =
    offsetMinutes === undefined ? zonedWallClockToUtc(wallClock, timeZone) : wallClock - offsetMinutes * 60_000
  return { ok: true, value: { date: new Date(time), hasTime } }
}

function findImpossibleField(fields: DateFields): string | undefined {
  if (fields.year < 1000) return 'has an impossible year'
  if (fields.month < 1 || fields.month > 12) return 'has no such month'
  if (fields.day < 1 || fields.day > daysInMonth(fields.year, fields.month)) return 'is not a real date'
  if (fields.hour > 23) return 'has an impossible hour'
  if (fields.minute > 59) return 'has an impossible minute'
  if (fields.second > 59) return 'has an impossible second'
  return undefined
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Minutes east of UTC, or `null` when out of range. */
function parseOffset(offset: string): number | null {
  if (/^(Z|UT|UTC|GMT)$/i.test(offset)) return 0
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)
  if (!match) return null
  const hours = Number(match[2])
  const minutes = Number(match[3] ?? 0)
  if (hours > 14 || minutes > 59) return null
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes)
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/**
 * Offsets are looked up per cell of this many milliseconds: when the offset
 * at both ends of a cell is the same, it holds in between, because no zone
 * changes its offset twice within two days (from 1970 to 2040, no zone's
 * changes come closer than 7 days). A cell with a change in it is looked up
 * instant by instant.
 */
const OFFSET_CELL_MS = 2 * 24 * 60 * 60 * 1000
/** Per zone: cell number → the offset throughout it, or `null` when it changes inside. */
const offsetCells = new Map<string, Map<number, number | null>>()
/** Per zone: cell number → the offset at the cell's first instant, which is also where the cell before ends. */
const offsetsAtCellStarts = new Map<string, Map<number, number>>()

/**
 * The zone's offset from UTC at the instant `time`, in milliseconds. Asking
 * Intl costs microseconds and a build asks for every post's dates, so the
 * answers are kept per cell.
 */
function zoneOffsetAt(time: number, timeZone: string): number {
  let cells = offsetCells.get(timeZone)
  if (cells === undefined) {
    cells = new Map()
    offsetCells.set(timeZone, cells)
  }
  const cell = Math.floor(time / OFFSET_CELL_MS)
  let offset = cells.get(cell)
  if (offset === undefined) {
    // Compared with the next cell's start, which that cell asks for too: one question to Intl per cell, not two.
    const atStart = offsetAtCellStart(cell, timeZone)
    offset = atStart === offsetAtCellStart(cell + 1, timeZone) ? atStart : null
    cells.set(cell, offset)
  }
  return offset ?? exactZoneOffsetAt(time, timeZone)
}

function offsetAtCellStart(cell: number, timeZone: string): number {
  let starts = offsetsAtCellStarts.get(timeZone)
  if (starts === undefined) {
    starts = new Map()
    offsetsAtCellStarts.set(timeZone, starts)
  }
  let offset = starts.get(cell)
  if (offset === undefined) {
    offset = exactZoneOffsetAt(cell * OFFSET_CELL_MS, timeZone)
    starts.set(cell, offset)
  }
  return offset
}

/** The zone's offset at `time`, asked of Intl (to the second). */
function exactZoneOffsetAt(time: number, timeZone: string): number {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(new Date(time))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  )
  return asUtc - Math.floor(time / 1000) * 1000
}

/**
 * Converts a wall-clock time in `timeZone` (given as if it were UTC) to the
 * real UTC instant. Two passes settle the offset around DST changes.
 */
function zonedWallClockToUtc(wallClock: number, timeZone: string): number {
  const firstGuess = wallClock - zoneOffsetAt(wallClock, timeZone)
  const offset = zoneOffsetAt(firstGuess, timeZone)
  return wallClock - offset
}

/** True when `timeZone` is an IANA zone name this Node.js knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

/** Calendar fields of `date` as seen in `timeZone`, for permalinks. */
export function calendarFieldsIn(date: Date, timeZone: string): { year: string; month: string; day: string } {
  const wallClock = new Date(date.getTime() + zoneOffsetAt(date.getTime(), timeZone))
  return {
    year: String(wallClock.getUTCFullYear()).padStart(4, '0'),
    month: String(wallClock.getUTCMonth() + 1).padStart(2, '0'),
    day: String(wallClock.getUTCDate()).padStart(2, '0'),
  }
}

/** RFC 3339 in UTC, without milliseconds when they are zero (Atom, JSON Feed). */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z')
}

/** RFC 822 as RSS 2.0 wants it, in GMT. */
export function formatRfc822(date: Date): string {
  return date.toUTCString()
}
