/**
 * Characters no feed may carry. XML 1.0 forbids C0 controls other than tab,
 * LF and CR, and lone surrogates; the W3C validator also flags C1 controls,
 * U+FFFD (a decoding accident) and the Unicode noncharacters. JSON could
 * carry them escaped, but a reader would show garbage, so all three formats
 * drop the same set.
 */
const FORBIDDEN_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters we remove
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * FORBIDDEN_CHARACTERS but lone surrogates, which `isWellFormed()` finds: a
 * character class and one pair of classes, with no lookaround.
 */
const FORBIDDEN_BUT_LONE_SURROGATES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters we look for
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/

/** True when `text` holds a character that {@link removeForbiddenCharacters} would drop. */
export function hasForbiddenCharacters(text: string): boolean {
  // The full pattern's lookarounds make V8 slow on every character, and
  // every feed item's HTML is checked: text that is well formed (no lone
  // surrogate) is checked by the simpler pattern, which is nearly all text.
  return FORBIDDEN_BUT_LONE_SURROGATES.test(text) || !text.isWellFormed()
}

export function removeForbiddenCharacters(text: string): string {
  return hasForbiddenCharacters(text) ? text.replace(FORBIDDEN_CHARACTERS, '') : text
}

/**
 * `text` as a string of its own. In V8 a substring of 13 characters or more
 * shares the memory of the string it was cut from, and keeps all of it alive
 * as long as the substring lives: an author's email parsed out of a post
 * kept the whole post file in memory. Joined to a character and cut again,
 * the text is copied.
 */
export function detachedString(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1)
}

/**
 * Titles, names and tags are one line of text: runs of white space become
 * one space. The result is a string of its own (see detachedString): a
 * summary cut from a post's first paragraph must not keep the post's text.
 */
export function toSingleLine(text: string): string {
  // Most are one line already: looked for and copied, not replaced, in a fraction of the time.
  return NOT_SINGLE_LINE.test(text) ? text.replace(/\s+/g, ' ').trim() : detachedString(text)
}

/** White space other than a space, two spaces, or a space at either end: what toSingleLine changes. */
const NOT_SINGLE_LINE = /[^\S ]| {2}|^ | $/

/**
 * Cuts `text` at a word boundary so that it is at most about `maxLength`
 * characters, adding an ellipsis when anything was cut.
 */
export function truncateAtWord(text: string, maxLength: number): string {
  const characters = Array.from(text)
  if (characters.length <= maxLength) return text
  const head = characters.slice(0, maxLength).join('')
  const lastSpace = head.search(/\s\S*$/)
  const cut = lastSpace > 0 ? head.slice(0, lastSpace) : head
  return `${cut.replace(/[\s,.;:!?—–-]+$/u, '')}…`
}

/** 1-based line number of the character at `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++
  }
  return line
}
