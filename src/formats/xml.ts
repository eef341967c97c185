import { removeForbiddenCharacters } from '../core/text.js'

/**
 * The one place XML text is escaped, for RSS and Atom alike.
 *
 * No CDATA anywhere: a section ends at the first `]]>` in the content, and
 * libraries that split only the first occurrence still break on the second.
 * Escaped text has no such edge. Characters XML forbids are dropped here
 * too, as a last guard whatever the input.
 */

/**
 * Plain text (titles, names, categories): `&`, `<` and `>` as hexadecimal
 * character references. The W3C validator reads `&lt;` or CDATA in a
 * plain-text element as a sign of HTML and warns; `&#x3C;` it accepts.
 */
export function escapePlainText(text: string): string {
  return removeForbiddenCharacters(text).replace(/[&<>]/g, (character) => PLAIN_TEXT_REFERENCES[character] ?? character)
}

/** HTML carried as text (`content:encoded`, Atom `type="html"`): readers unescape it once. */
export function escapeMarkup(html: string): string {
  return removeForbiddenCharacters(html).replace(/[&<>]/g, (character) => MARKUP_REFERENCES[character] ?? character)
}

/** An attribute value in double quotes. */
export function escapeAttribute(value: string): string {
  return removeForbiddenCharacters(value).replace(
    /[&<>"\t\n\r]/g,
    (character) => ATTRIBUTE_REFERENCES[character] ?? character,
  )
}

/** Plain text as HTML: what a `type="html"` element holds when its source is plain text. */
export function plainTextToHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => HTML_ENTITIES[character] ?? character)
}

const PLAIN_TEXT_REFERENCES: Record<string, string> = { '&': '&#x26;', '<': '&#x3C;', '>': '&#x3E;' }
const MARKUP_REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }
const ATTRIBUTE_REFERENCES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
}
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/** Writes `<name attr="…">text</name>` lines with two-space indentation. */
export class XmlWriter {
  private lines: string[] = ['<?xml version="1.0" encoding="utf-8"?>']
  private depth = 0

  open(name: string, attributes: Record<string, string | undefined> = {}): this {
    this.lines.push(`${this.indent()}<${name}${formatAttributes(attributes)}>`)
    this.depth++
    return this
  }

  close(name: string): this {
    this.depth--
    this.lines.push(`${this.indent()}</${name}>`)
    return this
  }

  /** An element holding already-escaped `content`; skipped when `content` is undefined. */
  element(name: string, content: string | undefined, attributes: Record<string, string | undefined> = {}): this {
    if (content === undefined) return this
    this.lines.push(`${this.indent()}<${name}${formatAttributes(attributes)}>${content}</${name}>`)
    return this
  }

  /** An empty element such as `<link href="…"/>`. */
  empty(name: string, attributes: Record<string, string | undefined>): this {
    this.lines.push(`${this.indent()}<${name}${formatAttributes(attributes)}/>`)
    return this
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`
  }

  /**
   * The lines written since the last `take`, each ended by a newline, let go
   * of here: a big document is handed out in pieces whose concatenation is
   * what `toString` would have returned.
   */
  take(): string {
    const text = this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`
    this.lines = []
    return text
  }

  private indent(): string {
    return '  '.repeat(this.depth)
  }
}

function formatAttributes(attributes: Record<string, string | undefined>): string {
  let result = ''
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) result += ` ${name}="${escapeAttribute(value)}"`
  }
  return result
}
