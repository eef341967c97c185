import { parse as parseToml, TomlDate, TomlError } from 'smol-toml'
import { KabarError } from '../errors.js'
import type { ParsedFrontmatter } from './frontmatter.js'
import { lineAt } from './text.js'

/**
 * The frontmatter shapes Hugo accepts besides YAML between `---` lines, so
 * a Hugo site's posts build unchanged (https://gohugo.io/content-management/front-matter/):
 * - TOML between `+++` lines;
 * - a JSON object at the very start of the file, with no fence lines;
 * - any of these after blank lines, which Hugo skips and gray-matter does not
 *   (it would see no frontmatter at all and report a missing title).
 * Line numbers stay those of the file, so errors point at the right line.
 */

/**
 * Parses `text` when its frontmatter is one of the shapes above; returns
 * `undefined` for YAML at the start of the file (gray-matter's job) or no
 * frontmatter. `parseYaml` handles what is left after blank lines.
 */
export function parseOtherFrontmatter(
  text: string,
  file: string,
  parseYaml: (text: string, file: string) => ParsedFrontmatter,
): ParsedFrontmatter | undefined {
  const blankLines = blankLinesBeforeFrontmatter(text)
  if (blankLines > 0) {
    const rest = text.split('\n').slice(blankLines).join('\n')
    return shiftLines(() => parseOtherFrontmatter(rest, file, parseYaml) ?? parseYaml(rest, file), blankLines)
  }
  if (/^\+\+\+[ \t]*\n/.test(text)) return parseTomlFrontmatter(text, file)
  if (/^\{\s*(?:\n|")/.test(text)) return parseJsonObjectFrontmatter(text, file)
  return undefined
}

/** How many blank lines come before an opening `---`, `+++` or `{`; 0 when there is no such fence. */
function blankLinesBeforeFrontmatter(text: string): number {
  const match = /^(?:[ \t]*\n)+(?=---[ \t]*\n|\+\+\+[ \t]*\n|\{\s*(?:\n|"))/.exec(text)
  return match === null ? 0 : (match[0].match(/\n/g)?.length ?? 0)
}

function shiftLines(parse: () => ParsedFrontmatter, offset: number): ParsedFrontmatter {
  let parsed: ParsedFrontmatter
  try {
    parsed = parse()
  } catch (error) {
    if (!(error instanceof KabarError) || error.line === undefined) throw error
    throw new KabarError(error.code, error.message, {
      file: error.file,
      line: error.line + offset,
      field: error.field,
      hint: error.hint,
      severity: error.severity,
    })
  }
  const fieldLines = new Map<string, number>()
  for (const [key, line] of parsed.fieldLines) fieldLines.set(key, line + offset)
  return { ...parsed, bodyLine: parsed.bodyLine + offset, fieldLines }
}

/** TOML between `+++` lines, as Hugo writes it. */
function parseTomlFrontmatter(text: string, file: string): ParsedFrontmatter {
  const lines = text.split('\n')
  const end = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '+++')
  if (end === -1) {
    throw new KabarError(
      'FRONTMATTER_INVALID',
      'TOML frontmatter opened with +++ is never closed — add a line "+++" after the last field',
      { file, line: 1 },
    )
  }
  const block = lines.slice(1, end).join('\n')
  let data: Record<string, unknown>
  try {
    data = parseToml(block) as Record<string, unknown>
  } catch (error) {
    if (!(error instanceof TomlError)) throw error
    const detail = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '')
    throw new KabarError('FRONTMATTER_INVALID', `frontmatter is not valid TOML: ${detail}`, {
      file,
      line: error.line + 1,
      hint: 'Check the quotes and the "key = value" form on that line.',
    })
  }
  return {
    data: tomlDatesAsText(data) as Record<string, unknown>,
    body: lines.slice(end + 1).join('\n'),
    bodyLine: end + 2,
    fieldLines: tomlFieldLines(lines.slice(1, end)),
  }
}

/**
 * TOML has its own date type; kabar's date parser reads text (and applies
 * the site's timezone to dates without an offset), so dates go back to the
 * text TOML wrote.
 */
function tomlDatesAsText(value: unknown): unknown {
  if (value instanceof TomlDate) return value.toISOString()
  if (Array.isArray(value)) return value.map(tomlDatesAsText)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, tomlDatesAsText(item)]))
  }
  return value
}

/** Lines of the top-level keys: those before the first `[table]` header. */
function tomlFieldLines(blockLines: readonly string[]): Map<string, number> {
  const fieldLines = new Map<string, number>()
  for (const [index, line] of blockLines.entries()) {
    if (/^\s*\[/.test(line)) break
    const match = /^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=/.exec(line)
    const key = match?.[1] ?? match?.[2] ?? match?.[3]
    if (key !== undefined && !fieldLines.has(key)) fieldLines.set(key, index + 2)
  }
  return fieldLines
}

/** A JSON object at the start of the file, Hugo's third frontmatter format. */
function parseJsonObjectFrontmatter(text: string, file: string): ParsedFrontmatter {
  const end = endOfJsonObject(text)
  if (end === undefined) {
    throw new KabarError(
      'FRONTMATTER_INVALID',
      'JSON frontmatter that opens with { is never closed — add the closing } after the last field',
      { file, line: 1 },
    )
  }
  const block = text.slice(0, end)
  let data: unknown
  try {
    data = JSON.parse(block)
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1]
    throw new KabarError('FRONTMATTER_INVALID', `frontmatter is not valid JSON: ${(error as Error).message}`, {
      file,
      line: position === undefined ? 1 : lineAt(text, Number(position)),
    })
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new KabarError('FRONTMATTER_INVALID', 'JSON frontmatter must be an object of "key": value pairs', {
      file,
      line: 1,
    })
  }
  // The body starts on the line after the closing brace.
  const newline = text.indexOf('\n', end)
  const fieldLines = new Map<string, number>()
  for (const key of Object.keys(data)) {
    const at = block.indexOf(`${JSON.stringify(key)}`)
    if (at >= 0) fieldLines.set(key, lineAt(text, at))
  }
  return {
    data: data as Record<string, unknown>,
    body: newline === -1 ? '' : text.slice(newline + 1),
    bodyLine: lineAt(text, end) + 1,
    fieldLines,
  }
}

/** Index just after the `}` that closes the object opening `text`, or `undefined`. */
function endOfJsonObject(text: string): number | undefined {
  let depth = 0
  let isInString = false
  for (let index = 0; index < text.length; index++) {
    const character = text[index]
    if (isInString) {
      if (character === '\\') index++
      else if (character === '"') isInString = false
    } else if (character === '"') {
      isInString = true
    } else if (character === '{' || character === '[') {
      depth++
    } else if (character === '}' || character === ']') {
      depth--
      if (depth === 0) return index + 1
    }
  }
  return undefined
}
