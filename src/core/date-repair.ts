import { parseDate } from './dates.js'

/**
 * Dates that writers clearly meant but typed in a shape `parseDate` does
 * not read: pasted from `date`, from a JavaScript `Date`, from Go's
 * `time.String()`, or written by hand (`Jul 08 2022`, which Astro's blog
 * template uses). Each one is either read exactly or rejected with the
 * text to write instead: never guessed. Only consulted after `parseDate`
 * said "is not a date", so nothing it accepts changes meaning.
 */

export type OddDateResult =
  | { ok: true; date: Date }
  /** `reason` goes after the quoted value and says what to write instead. */
  | { ok: false; reason: string }

const GENERIC_FIX = 'write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"'

const MONTH_NAMES = [
  ['jan', 'january'],
  ['feb', 'february'],
  ['mar', 'march'],
  ['apr', 'april'],
  ['may'],
  ['jun', 'june'],
  ['jul', 'july'],
  ['aug', 'august'],
  ['sep', 'sept', 'september'],
  ['oct', 'october'],
  ['nov', 'november'],
  ['dec', 'december'],
]
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

/** The zone names RFC 822 defines, the only abbreviations that mean one offset. */
const RFC_822_ZONES: Readonly<Record<string, string>> = {
  UT: '+0000',
  UTC: '+0000',
  GMT: '+0000',
  Z: '+0000',
  EST: '-0500',
  EDT: '-0400',
  CST: '-0600',
  CDT: '-0500',
  MST: '-0700',
  MDT: '-0600',
  PST: '-0800',
  PDT: '-0700',
}

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([ap])\.?m\.?)?`

interface Fields {
  year: string
  month: number
  day: number
  hour?: string | undefined
  minute?: string | undefined
  second?: string | undefined
  meridiem?: string | undefined
  weekday?: string | undefined
}

type Reading = Fields | { reason: string } | undefined

interface Zone {
  rest: string
  /** `+0530`, or `undefined` when the text has none (the site's zone applies). */
  offset: string | undefined
  /** Why the zone cannot be used, when it cannot. */
  problem: string | undefined
}

/** Reads a date `parseDate` rejected as "not a date", or explains how to write it. */
export function readOddDate(text: string, timeZone: string): OddDateResult | undefined {
  const zone = splitZone(text.trim().replace(/\s+/g, ' '))
  const fields = readIso(zone.rest) ?? readMonthName(zone.rest) ?? readNumeric(zone.rest)
  if (fields === undefined) return undefined
  if ('reason' in fields) return { ok: false, reason: fields.reason }
  if (zone.problem !== undefined) {
    return { ok: false, reason: `${zone.problem} — write the offset instead: "${isoText(fields)} +HHMM"` }
  }
  return buildFromFields(fields, zone.offset, timeZone)
}

/**
 * Takes a zone off the end: a numeric offset (kept even when a name follows
 * it, as in `-0400 EDT`, Go's `+0000 UTC` or JavaScript's `GMT+0200 (Central
 * European Summer Time)`), or an RFC 822 zone name. Other names (`IST` is
 * India, Israel and Ireland) do not say one offset.
 */
function splitZone(text: string): Zone {
  const withoutComment = text.replace(/\s*\([^()]*\)$/, '')
  const numeric = /^(.*?\d)\s*(?:GMT|UTC)?([+-]\d{2}:?\d{2})(?:\s+([A-Za-z]{2,5}))?$/.exec(withoutComment)
  if (numeric?.[1] !== undefined && numeric[2] !== undefined) {
    const offset = numeric[2].replace(':', '')
    const name = numeric[3]?.toUpperCase()
    const named = name === undefined ? undefined : RFC_822_ZONES[name]
    const problem =
      named !== undefined && named !== offset ? `says both ${numeric[2]} and ${name}, which differ` : undefined
    return { rest: numeric[1], offset, problem }
  }
  const nameMatch = /^(.*\d)\s*([A-Za-z]{1,5})$/.exec(withoutComment)
  const name = nameMatch?.[2]?.toUpperCase()
  if (nameMatch?.[1] !== undefined && name !== undefined && !/^[AP]\.?M$/.test(name)) {
    const named = RFC_822_ZONES[name]
    return {
      rest: nameMatch[1],
      offset: named,
      problem: named === undefined ? `uses the zone name "${nameMatch[2]}", which does not say one offset` : undefined,
    }
  }
  return { rest: withoutComment, offset: undefined, problem: undefined }
}

/** `2023-01-29 18:30:22`, also with the year typed again at the end, as some date commands print it. */
function readIso(text: string): Reading {
  const match = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]${TIME}(?:\s+(\d{4}))?)?$`, 'i').exec(text)
  if (!match) return undefined
  const [, year = '', month, day, hour, minute, second, meridiem, repeated] = match
  const fields: Fields = { year, month: Number(month), day: Number(day), hour, minute, second, meridiem }
  if (repeated !== undefined && repeated !== year) {
    return { reason: `names two years, ${year} and ${repeated} — write it as "${isoText(fields)}" with the right year` }
  }
  return fields
}

/** `Jul 08 2022`, `July 8, 2022 10:00`, `8 July 2022`, `Fri Jul 08 2022 10:00:00` (JavaScript's `Date#toString`). */
function readMonthName(text: string): Reading {
  const weekday = String.raw`(?:([A-Za-z]{3})[a-z]*,?\s+)?`
  const monthFirst = new RegExp(
    String.raw`^${weekday}([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+(?:at\s+)?${TIME})?$`,
    'i',
  ).exec(text)
  const dayFirst = new RegExp(
    String.raw`^${weekday}(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})(?:,?\s+${TIME})?$`,
    'i',
  ).exec(text)
  let fields: Fields | undefined
  let monthName: string | undefined
  if (monthFirst) {
    const [, weekdayName, name, day, year = '', hour, minute, second, meridiem] = monthFirst
    monthName = name
    fields = { year, month: 0, day: Number(day), hour, minute, second, meridiem, weekday: weekdayName }
  } else if (dayFirst) {
    const [, weekdayName, day, name, year = '', hour, minute, second, meridiem] = dayFirst
    monthName = name
    fields = { year, month: 0, day: Number(day), hour, minute, second, meridiem, weekday: weekdayName }
  }
  if (fields === undefined || monthName === undefined) return undefined
  const lowerName = monthName.toLowerCase()
  const month = MONTH_NAMES.findIndex((names) => names.includes(lowerName)) + 1
  if (month === 0) return { reason: `has "${monthName}", which is not an English month name — ${GENERIC_FIX}` }
  return { ...fields, month }
}

/** `29.01.2023` (day first, the only order dots are used in), `25/12/2023` and `12/25/2023` when only one order is a real day. */
function readNumeric(text: string): Reading {
  const dotted = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+${TIME})?$`, 'i').exec(text)
  if (dotted) {
    const [, day, month, year = '', hour, minute, second, meridiem] = dotted
    return { year, month: Number(month), day: Number(day), hour, minute, second, meridiem }
  }
  const slashed = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+${TIME})?$`, 'i').exec(text)
  if (slashed) {
    const [, first, second, year = '', hour, minute, secondOfMinute, meridiem] = slashed
    const time = { hour, minute, second: secondOfMinute, meridiem }
    const dayFirst = Number(second) <= 12 ? { year, month: Number(second), day: Number(first), ...time } : undefined
    const monthFirst = Number(first) <= 12 ? { year, month: Number(first), day: Number(second), ...time } : undefined
    if (dayFirst !== undefined && monthFirst !== undefined && first !== second) {
      return {
        reason: `could be ${describeDay(dayFirst)} or ${describeDay(monthFirst)} — write it as "${isoText(dayFirst)}" or "${isoText(monthFirst)}"`,
      }
    }
    return dayFirst ?? monthFirst
  }
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text)
  if (compact) return { reason: `has no separators — write it as "${compact[1]}-${compact[2]}-${compact[3]}"` }
  return undefined
}

function describeDay(fields: Fields): string {
  const name = MONTH_NAMES[fields.month - 1]?.at(-1) ?? ''
  return `${fields.day} ${capitalize(name)}`
}

/** The fields the way `parseDate` reads them (24-hour clock, no zone). */
function isoText(fields: Fields): string {
  const date = `${fields.year}-${pad(fields.month)}-${pad(fields.day)}`
  if (fields.hour === undefined || fields.minute === undefined) return date
  let hour = Number(fields.hour)
  if (fields.meridiem !== undefined) hour = (hour % 12) + (fields.meridiem.toLowerCase() === 'p' ? 12 : 0)
  return `${date} ${pad(hour)}:${fields.minute}${fields.second === undefined ? '' : `:${fields.second}`}`
}

/** Has `parseDate` check that the day exists, then checks a weekday the text named. */
function buildFromFields(fields: Fields, offset: string | undefined, timeZone: string): OddDateResult {
  const hour = Number(fields.hour)
  if (fields.meridiem !== undefined && (hour < 1 || hour > 12)) {
    return { ok: false, reason: `has the hour ${fields.hour} on a 12-hour clock — ${GENERIC_FIX}` }
  }
  const written = `${isoText(fields)}${offset === undefined ? '' : ` ${offset}`}`
  const parsed = parseDate(written, timeZone)
  if (!parsed.ok) return { ok: false, reason: `${parsed.reason} — ${GENERIC_FIX}` }
  if (fields.weekday !== undefined) {
    const weekday = WEEKDAYS.indexOf(fields.weekday.slice(0, 3).toLowerCase())
    const actual = new Date(Date.UTC(Number(fields.year), fields.month - 1, fields.day)).getUTCDay()
    if (weekday !== actual) {
      return {
        ok: false,
        reason: `says ${fields.weekday}, but ${isoText({ ...fields, hour: undefined })} is a ${capitalize(WEEKDAYS[actual] ?? '')} — write the date you meant as YYYY-MM-DD`,
      }
    }
  }
  return { ok: true, date: parsed.value.date }
}

function pad(value: number): string {
  return String(value).padStart(2, '0')
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
