/**
 * A fast reader for the small part of YAML that nearly all frontmatter is
 * written in, so that a build of 100,000 posts need not run a full YAML
 * parser 100,000 times: top-level `key: value` lines whose values are plain,
 * quoted or flow (`[a, b]`, `{ name: x }`) scalars, block sequences and
 * one-level maps of such scalars, and `|`/`>` block scalars.
 *
 * It gives exactly what the `yaml` package gives with the YAML 1.2 core
 * schema, or `undefined` whenever the text uses anything else (anchors,
 * tags, comments, multi-line flow, escapes beyond the common ones, tabs...),
 * and the caller then runs the full parser. When in doubt it answers
 * `undefined`: being slow is fine, being different is not. A property test
 * compares the two on generated frontmatter.
 */

export interface SimpleYaml {
  data: Record<string, unknown>
  /** 1-based line of each top-level key, counted in the block as given. */
  fieldLines: Map<string, number>
}

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/
const INDENTED_KEY_LINE = /^( +)([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/
const FLOW_KEY = /^([A-Za-z_][A-Za-z0-9_-]*): +/
/** Characters the block may not hold at all for the fast path: tabs, CR, BOM, controls, odd line breaks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters the fast path declines
const UNSUPPORTED_CHARACTER = /[\0-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uFEFF]/
/** Longer keys are an error in YAML (over 1024 characters) or at least unusual. */
const MAX_KEY_LENGTH = 128
const BLOCK_SCALAR_HEADER = /^[|>]-?$/
/** Keys the full parser treats specially. */
const SPECIAL_KEYS = new Set(['__proto__', '<<'])

/** Keys that are plain text: not `true` or `null` (which YAML reads as other types), not special. */
function isTextKey(key: string): boolean {
  let isText = knownKeys.get(key)
  if (isText === undefined) {
    isText = !SPECIAL_KEYS.has(key) && key.length <= MAX_KEY_LENGTH && resolvePlain(key) === key
    if (knownKeys.size >= KNOWN_KEYS_AT_MOST) knownKeys.clear()
    knownKeys.set(key, isText)
  }
  return isText
}

/**
 * The answer for each key seen: a site's posts use the same few keys, and
 * asking resolvePlain's patterns again for each key was 5–8% of parsing the
 * frontmatter of 10,000 posts once warm. Cleared when full, so that posts
 * with ever new keys cannot grow it.
 */
const knownKeys = new Map<string, boolean>()
const KNOWN_KEYS_AT_MOST = 1024

/** Reads `block` (lines separated by `\n`), or returns `undefined` to send it to the full YAML parser. */
export function parseSimpleYaml(block: string): SimpleYaml | undefined {
  if (UNSUPPORTED_CHARACTER.test(block)) return undefined
  const lines = block.split('\n')
  const data: Record<string, unknown> = {}
  const fieldLines = new Map<string, number>()
  let index = 0
  while (index < lines.length) {
    const line = lines[index] as string
    if (isBlank(line)) {
      index++
      continue
    }
    const match = KEY_LINE.exec(line)
    if (match === null) return undefined
    const key = match[1] as string
    if (!isTextKey(key) || fieldLines.has(key)) return undefined
    fieldLines.set(key, index + 1)
    const rest = (match[2] ?? '').trimEnd()
    const parsed =
      rest === ''
        ? readNested(lines, index + 1)
        : BLOCK_SCALAR_HEADER.test(rest)
          ? readBlockScalar(lines, index + 1, rest)
          : readInline(rest, index + 1)
    if (parsed === undefined) return undefined
    data[key] = parsed.value
    index = parsed.next
  }
  // An empty block is no map at all to the full parser.
  return fieldLines.size === 0 ? undefined : { data, fieldLines }
}

interface Parsed {
  value: unknown
  /** Index of the first line after the value. */
  next: number
}

function readInline(text: string, next: number): Parsed | undefined {
  const value = readBlockValue(text)
  return value === NOT_SIMPLE ? undefined : { value, next }
}

/** What follows a `key:` with nothing after it: a block sequence, a map one level deep, or null. */
function readNested(lines: readonly string[], start: number): Parsed | undefined {
  const first = nextContentLine(lines, start)
  if (first === undefined) return { value: null, next: lines.length }
  const line = lines[first] as string
  const indent = indentOf(line)
  if (line.startsWith('- ', indent) || line.length === indent + 1) {
    return line[indent] === '-' ? readBlockSequence(lines, first, indent) : undefined
  }
  if (indent === 0) return KEY_LINE.test(line) ? { value: null, next: first } : undefined
  return readBlockMap(lines, first, indent)
}

function readBlockSequence(lines: readonly string[], start: number, indent: number): Parsed | undefined {
  const items: unknown[] = []
  let index = start
  while (index < lines.length) {
    const line = lines[index] as string
    if (isBlank(line)) {
      index++
      continue
    }
    const lineIndent = indentOf(line)
    if (lineIndent < indent) break
    if (lineIndent > indent || !line.startsWith('- ', indent)) {
      // A top-level sequence may sit at the key's own indentation; the next key ends it.
      if (indent === 0 && lineIndent === 0 && KEY_LINE.test(line)) break
      return undefined
    }
    const text = line.slice(indent + 2).trim()
    if (text === '' || text[0] === '[' || text[0] === '{' || text[0] === '-' || /^[^'"]*: /.test(text)) {
      return undefined
    }
    const value = readBlockValue(text)
    if (value === NOT_SIMPLE) return undefined
    items.push(value)
    index++
  }
  return endsAtTopLevelKey(lines, index) ? { value: items, next: index } : undefined
}

function readBlockMap(lines: readonly string[], start: number, indent: number): Parsed | undefined {
  const map: Record<string, unknown> = {}
  let index = start
  while (index < lines.length) {
    const line = lines[index] as string
    if (isBlank(line)) {
      index++
      continue
    }
    const lineIndent = indentOf(line)
    if (lineIndent < indent) break
    const match = INDENTED_KEY_LINE.exec(line)
    if (match === null || lineIndent !== indent) return undefined
    const key = match[2] as string
    const rest = (match[3] ?? '').trimEnd()
    if (!isTextKey(key) || Object.hasOwn(map, key) || rest === '' || BLOCK_SCALAR_HEADER.test(rest)) {
      return undefined
    }
    const value = readBlockValue(rest)
    if (value === NOT_SIMPLE) return undefined
    map[key] = value
    index++
  }
  return endsAtTopLevelKey(lines, index) ? { value: map, next: index } : undefined
}

/**
 * `|`, `|-`, `>` or `>-` with every line at one indentation and no blank or
 * more-indented lines inside. Like the `yaml` package, the clipped forms end
 * with a line break even at the end of the block.
 */
function readBlockScalar(lines: readonly string[], start: number, header: string): Parsed | undefined {
  const first = lines[start]
  if (first === undefined || isBlank(first)) return undefined
  const indent = indentOf(first)
  if (indent === 0) return undefined
  const content: string[] = []
  let index = start
  while (index < lines.length) {
    const line = lines[index] as string
    if (isBlank(line)) break
    const lineIndent = indentOf(line)
    if (lineIndent < indent) break
    if (lineIndent > indent || line.endsWith(' ')) return undefined
    content.push(line.slice(indent))
    index++
  }
  const end = nextContentLine(lines, index) ?? lines.length
  if (end < lines.length && indentOf(lines[end] as string) !== 0) return undefined
  // Spaces on a blank line after the text can be content to YAML: leave that to the full parser.
  for (let blank = index; blank < end; blank++) if (lines[blank] !== '') return undefined
  const isLiteral = header[0] === '|'
  const isStripped = header.endsWith('-')
  const text = content.join(isLiteral ? '\n' : ' ')
  return { value: isStripped ? text : `${text}\n`, next: end }
}

/** Whether the structure that ended at `index` is followed by a top-level key or the end of the block. */
function endsAtTopLevelKey(lines: readonly string[], index: number): boolean {
  const next = nextContentLine(lines, index)
  return next === undefined || (indentOf(lines[next] as string) === 0 && KEY_LINE.test(lines[next] as string))
}

const NOT_SIMPLE = Symbol('not simple')

/** A value on one line in block context: quoted, a flow sequence or map, or a plain scalar. */
function readBlockValue(text: string): unknown {
  const first = text[0]
  if (first === '"' || first === "'") {
    const quoted = readQuoted(text, 0)
    return quoted === undefined || text.slice(quoted.end).trim() !== '' ? NOT_SIMPLE : quoted.value
  }
  if (first === '[') return text.endsWith(']') ? readFlowSequence(text.slice(1, -1)) : NOT_SIMPLE
  if (first === '{') return text.endsWith('}') ? readFlowMap(text.slice(1, -1)) : NOT_SIMPLE
  return readPlain(text, false)
}

function readFlowSequence(inside: string): unknown {
  if (inside.trim() === '') return []
  const items: unknown[] = []
  for (const item of splitFlowItems(inside) ?? []) {
    const value = readFlowValue(item)
    if (value === NOT_SIMPLE) return NOT_SIMPLE
    items.push(value)
  }
  return items.length === 0 ? NOT_SIMPLE : items
}

function readFlowMap(inside: string): unknown {
  if (inside.trim() === '') return {}
  const map: Record<string, unknown> = {}
  const items = splitFlowItems(inside)
  if (items === undefined) return NOT_SIMPLE
  for (const item of items) {
    const match = FLOW_KEY.exec(item)
    if (match === null) return NOT_SIMPLE
    const key = match[1] as string
    if (!isTextKey(key) || Object.hasOwn(map, key)) return NOT_SIMPLE
    const value = readFlowValue(item.slice(match[0].length))
    if (value === NOT_SIMPLE) return NOT_SIMPLE
    map[key] = value
  }
  return map
}

/** Splits the inside of `[...]` or `{...}` at commas outside quotes; `undefined` when anything is odd. */
function splitFlowItems(inside: string): string[] | undefined {
  const items: string[] = []
  let start = 0
  let index = 0
  while (index <= inside.length) {
    const character = inside[index]
    if (character === '"' || character === "'") {
      const quoted = readQuoted(inside, index)
      if (quoted === undefined) return undefined
      index = quoted.end
      continue
    }
    if (character === undefined || character === ',') {
      const item = inside.slice(start, index).trim()
      if (item === '') return undefined
      items.push(item)
      start = index + 1
    }
    index++
  }
  return items
}

/** A flow item: a whole quoted scalar, or a plain scalar with no flow indicators. */
function readFlowValue(text: string): unknown {
  if (text[0] === '"' || text[0] === "'") {
    const quoted = readQuoted(text, 0)
    return quoted === undefined || quoted.end !== text.length ? NOT_SIMPLE : quoted.value
  }
  return readPlain(text, true)
}

/** Escapes the fast path understands in double quotes; any other sends the block to the full parser. */
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' }

function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  const quote = text.charCodeAt(start)
  const isDouble = quote === DOUBLE_QUOTE
  // The text between escapes is taken in one slice: added a character at a time, a title of 60
  // made 60 strings, a third of what reading a post's frontmatter allocated.
  let value = ''
  let runStart = start + 1
  for (let index = runStart; index < text.length; index++) {
    const character = text.charCodeAt(index)
    if (character === quote) {
      if (isDouble || text.charCodeAt(index + 1) !== SINGLE_QUOTE) {
        return { value: value + text.slice(runStart, index), end: index + 1 }
      }
      // '' is one ' in a single-quoted scalar.
      value += text.slice(runStart, index + 1)
      runStart = ++index + 1
    } else if (isDouble && character === BACKSLASH) {
      const escaped = ESCAPES[text[index + 1] ?? '']
      if (escaped === undefined) return undefined
      value += text.slice(runStart, index) + escaped
      runStart = ++index + 1
    }
  }
  return undefined
}

const DOUBLE_QUOTE = 0x22
const SINGLE_QUOTE = 0x27
const BACKSLASH = 0x5c

/** Plain scalars that start with an indicator, or hold a comment or a `key: value`, go to the full parser. */
const PLAIN_START = /^[^-?:,[\]{}#&*!|>'"%@`\s]/
const NUMBER_START = /^[-+.]?[0-9.]/

function readPlain(text: string, isFlow: boolean): unknown {
  const value = text.trim()
  if (value === '' || !(PLAIN_START.test(value) || NUMBER_START.test(value))) return NOT_SIMPLE
  if (value.includes(': ') || value.includes(' #') || value.endsWith(':')) return NOT_SIMPLE
  if (isFlow && /[[\]{},:]/.test(value)) return NOT_SIMPLE
  return resolvePlain(value)
}

/** The YAML 1.2 core schema's reading of a plain scalar, tag by tag in the `yaml` package's order. */
function resolvePlain(value: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(value)) return null
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(value)) return value[0] === 't' || value[0] === 'T'
  if (/^0o[0-7]+$/.test(value)) return Number.parseInt(value.slice(2), 8)
  if (/^[-+]?[0-9]+$/.test(value)) return Number.parseInt(value, 10)
  if (/^0x[0-9a-fA-F]+$/.test(value)) return Number.parseInt(value.slice(2), 16)
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(value)) {
    if (value.slice(-3).toLowerCase() === 'nan') return Number.NaN
    return value[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(value)) return Number.parseFloat(value)
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(value)) return Number.parseFloat(value)
  return value
}

function nextContentLine(lines: readonly string[], start: number): number | undefined {
  for (let index = start; index < lines.length; index++) if (!isBlank(lines[index] as string)) return index
  return undefined
}

function isBlank(line: string): boolean {
  return line.trim() === ''
}

function indentOf(line: string): number {
  let indent = 0
  while (line[indent] === ' ') indent++
  return indent
}
