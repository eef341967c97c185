import { describe, expect, it } from 'vitest'
import { calendarFieldsIn, formatRfc822, formatRfc3339, parseDate } from './dates.js'

const iso = (text: string, zone = 'Asia/Jakarta') => {
  const result = parseDate(text, zone)
  return result.ok ? result.value.date.toISOString() : `rejected: ${result.reason}`
}

describe('parseDate', () => {
  it('reads a date without an offset in the site timezone', () => {
    expect(iso('2025-02-25')).toBe('2025-02-24T17:00:00.000Z')
    expect(iso('2025-02-25 09:00')).toBe('2025-02-25T02:00:00.000Z')
    expect(iso('2025-02-25T09:00:30')).toBe('2025-02-25T02:00:30.000Z')
  })

  it('uses the offset written in the date', () => {
    expect(iso('2025-01-29 18:15:32 +0530')).toBe('2025-01-29T12:45:32.000Z')
    expect(iso('2025-02-25T09:00:00Z')).toBe('2025-02-25T09:00:00.000Z')
    expect(iso('2025-02-25T09:00:00.250-07:00')).toBe('2025-02-25T16:00:00.250Z')
    expect(iso('Tue, 25 Feb 2025 09:00:00 +0700')).toBe('2025-02-25T02:00:00.000Z')
    expect(iso('25 Feb 2025 09:00 GMT')).toBe('2025-02-25T09:00:00.000Z')
  })

  it('follows daylight saving time in the site timezone', () => {
    expect(iso('2025-03-09 23:30', 'America/New_York')).toBe('2025-03-10T03:30:00.000Z')
    expect(iso('2025-03-08 23:30', 'America/New_York')).toBe('2025-03-09T04:30:00.000Z')
  })

  it('rejects days, hours and offsets that do not exist', () => {
    expect(iso('2025-02-30')).toBe('rejected: is not a real date')
    expect(iso('2024-02-29')).toBe('2024-02-28T17:00:00.000Z')
    expect(iso('2025-13-01')).toBe('rejected: has no such month')
    expect(iso('2025-02-25 24:12')).toBe('rejected: has an impossible hour')
    expect(iso('2025-02-25 10:00 +2500')).toBe('rejected: has an impossible offset "+2500"')
    expect(iso('next tuesday')).toBe('rejected: is not a date')
  })
})

describe('formatting', () => {
  it('writes RFC 3339 without zero milliseconds and RFC 822 in GMT', () => {
    const date = new Date('2025-02-25T02:00:00Z')
    expect(formatRfc3339(date)).toBe('2025-02-25T02:00:00Z')
    expect(formatRfc822(date)).toBe('Tue, 25 Feb 2025 02:00:00 GMT')
  })

  it('takes permalink fields in the site timezone, not UTC', () => {
    expect(calendarFieldsIn(new Date('2025-02-28T20:00:00Z'), 'Asia/Jakarta')).toEqual({
      year: '2025',
      month: '03',
      day: '01',
    })
  })
})

describe('zone offsets', () => {
  const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Africa/Casablanca']

  const formats = new Map<string, Intl.DateTimeFormat>()

  /** The offset asked of Intl for every instant, as dates.ts did before it kept answers per cell. */
  function intlOffset(time: number, timeZone: string): number {
    const format =
      formats.get(timeZone) ??
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    formats.set(timeZone, format)
    const parts: Record<string, number> = {}
    for (const part of format.formatToParts(new Date(time))) parts[part.type] = Number(part.value)
    const asUtc = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day, parts.hour, parts.minute, parts.second)
    return asUtc - Math.floor(time / 1000) * 1000
  }

  it('gives every wall-clock time the instant Intl gives, around daylight saving changes too', () => {
    for (const zone of zones) {
      for (let time = Date.UTC(2019, 2, 1); time < Date.UTC(2020, 11, 1); time += 97 * 60 * 1000) {
        const wall = new Date(time)
        const text = wall.toISOString().slice(0, 16).replace('T', ' ')
        const first = time - intlOffset(time, zone)
        const expected = time - intlOffset(first, zone)
        expect(iso(text, zone), `${text} ${zone}`).toBe(new Date(expected).toISOString())
      }
    }
  })

  it('gives permalink fields as Intl sees them', () => {
    for (const zone of zones) {
      for (let time = Date.UTC(2019, 2, 1); time < Date.UTC(2020, 11, 1); time += 131 * 60 * 1000) {
        const wall = new Date(time + intlOffset(time, zone))
        expect(calendarFieldsIn(new Date(time), zone), `${time} ${zone}`).toEqual({
          year: String(wall.getUTCFullYear()),
          month: String(wall.getUTCMonth() + 1).padStart(2, '0'),
          day: String(wall.getUTCDate()).padStart(2, '0'),
        })
      }
    }
  })
})
