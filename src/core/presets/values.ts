import { readOddDate } from '../date-repair.js'
import { parseDate } from '../dates.js'

/** The text of a frontmatter value when it is a non-empty string or a number. */
export function textValue(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A frontmatter date read as kabar reads `date`, or `undefined` when it is none. */
export function readDateValue(value: unknown, timeZone: string): Date | undefined {
  if (typeof value !== 'string') return undefined
  const parsed = parseDate(value, timeZone)
  if (parsed.ok) return parsed.value.date
  const odd = readOddDate(value, timeZone)
  return odd?.ok ? odd.date : undefined
}

/** `true`, and the YAML 1.1 spellings `yes` and `on`. */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['true', 'yes', 'on'].includes(value.trim().toLowerCase()))
}
