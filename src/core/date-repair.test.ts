import { describe, expect, it } from 'vitest'
import { readOddDate } from './date-repair.js'

const read = (text: string, zone = 'UTC') => {
  const result = readOddDate(text, zone)
  if (result === undefined) return 'not recognized'
  return result.ok ? result.date.toISOString() : `rejected: ${result.reason}`
}

describe('readOddDate', () => {
  it('reads the year typed twice when both years agree', () => {
    expect(read('2023-01-29 18:30:22 2023 -0800')).toBe('2023-01-30T02:30:22.000Z')
  })

  it('rejects two different years and shows the date without the second one', () => {
    expect(read('2023-01-29 18:30:22 2024 -0800')).toBe(
      'rejected: names two years, 2023 and 2024 — write it as "2023-01-29 18:30:22" with the right year',
    )
  })

  it('keeps a numeric offset when a zone name follows it, and checks that they agree', () => {
    expect(read('2017-07-21 10:00:00 -0400 EDT')).toBe('2017-07-21T14:00:00.000Z')
    expect(read('2023-01-29 18:30:22 +0000 UTC')).toBe('2023-01-29T18:30:22.000Z')
    expect(read('2017-07-21 10:00:00 -0500 EDT')).toMatch(/^rejected: says both -0500 and EDT, which differ/)
  })

  it('reads RFC 822 zone names and refuses names that mean several offsets', () => {
    expect(read('2025-01-29 18:15 PST')).toBe('2025-01-30T02:15:00.000Z')
    expect(read('2025-01-29 18:15:32 IST')).toBe(
      'rejected: uses the zone name "IST", which does not say one offset — write the offset instead: "2025-01-29 18:15:32 +HHMM"',
    )
  })

  it('reads month names as Astro templates and JavaScript write them, in the site zone', () => {
    expect(read('Jul 08 2022', 'America/New_York')).toBe('2022-07-08T04:00:00.000Z')
    expect(read('July 8, 2022 10:30 pm')).toBe('2022-07-08T22:30:00.000Z')
    expect(read('8 July 2022')).toBe('2022-07-08T00:00:00.000Z')
    expect(read('Fri Jul 08 2022 10:00:00 GMT+0200 (Central European Summer Time)')).toBe('2022-07-08T08:00:00.000Z')
  })

  it('rejects a weekday that does not match the day', () => {
    expect(read('Mon Jul 08 2022')).toBe(
      'rejected: says Mon, but 2022-07-08 is a Fri — write the date you meant as YYYY-MM-DD',
    )
  })

  it('reads numeric dates only when one order is a real day', () => {
    expect(read('29.01.2023')).toBe('2023-01-29T00:00:00.000Z')
    expect(read('25/12/2023')).toBe('2023-12-25T00:00:00.000Z')
    expect(read('12/25/2023')).toBe('2023-12-25T00:00:00.000Z')
    expect(read('01/02/2023')).toBe(
      'rejected: could be 1 February or 2 January — write it as "2023-02-01" or "2023-01-02"',
    )
    expect(read('20230129')).toBe('rejected: has no separators — write it as "2023-01-29"')
  })

  it('rejects impossible days and 12-hour clocks past 12', () => {
    expect(read('Feb 30 2023')).toBe('rejected: is not a real date — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"')
    expect(read('2023-01-29 13:00 pm')).toBe(
      'rejected: has the hour 13 on a 12-hour clock — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"',
    )
  })

  it('leaves text that is no date at all to the caller', () => {
    expect(read('next tuesday')).toBe('not recognized')
    expect(read('Version 2 beta')).toBe('not recognized')
  })
})
