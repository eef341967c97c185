import { createRequire } from 'node:module'
import { KabarError } from '../errors.js'
import { parseOtherFrontmatter } from './frontmatter-formats.js'
import { parseSimpleYaml } from './simple-yaml.js'
import { lineAt } from './text.js'

/**
 * Frontmatter through gray-matter, but never with its defaults:
 * - its `js`/`javascript`/`coffee` engines run the frontmatter with `eval`,
 *   so a post could run code on the build machine: they are replaced by an
 *   engine that refuses;
 * - its bundled js-yaml 3 turns `2025-02-30` into 2 March, reads times
 *   without an offset as UTC, expands aliases without bound and reports no
 *   field positions, so YAML goes to the `yaml` package (YAML 1.2 core
 *   schema: dates stay text for our own parser, aliases are bounded, and
 *   every key keeps its line);
 * - called without options it caches every input string in a module-level
 *   object forever, which a long-running watcher cannot afford: passing
 *   options turns the cache off.
 */

export interface ParsedFrontmatter {
  data: Record<string, unknown>
  /** The Markdown after the frontmatter. */
  body: string
  /** 1-based line of the file where `body` starts. */
  bodyLine: number
  /** 1-based line of each top-level frontmatter key. */
  fieldLines: ReadonlyMap<string, number>
}

// gray-matter and yaml take about 70 ms to load, and most posts never need
// them (see simple-yaml.ts): they are loaded the first time one does.
const require = createRequire(import.meta.url)
let grayMatter: typeof import('gray-matter') | undefined
let yamlPackage: typeof import('yaml') | undefined
const loadGrayMatter = () => (grayMatter ??= require('gray-matter') as typeof import('gray-matter'))
const loadYaml = () => (yamlPackage ??= require('yaml') as typeof import('yaml'))

/** Aliases are bounded so a "billion laughs" document fails fast instead of eating memory. */
const MAX_ALIAS_COUNT = 100
const ALLOWED_LANGUAGES = new Set(['', 'yaml', 'yml', 'json'])
/** gray-matter's engines that evaluate the frontmatter as code. */
const CODE_LANGUAGES = new Set(['js', 'javascript', 'coffee', 'coffeescript', 'cson'])

/**
 * Splits a post into frontmatter data and Markdown body. `text` must already
 * have LF line endings (gray-matter would hand the engine a block ending in
 * a lone `\r` otherwise).
 */
export function parseFrontmatter(text: string, file: string): ParsedFrontmatter {
  // Hugo's TOML and bare-JSON frontmatter, and frontmatter after blank lines.
  const other = parseOtherFrontmatter(text, file, parseFrontmatter)
  if (other !== undefined) return other
  const writtenLanguage = frontmatterLanguage(text)
  const language = writtenLanguage?.toLowerCase()
  if (language !== undefined && !ALLOWED_LANGUAGES.has(language)) {
    throw new KabarError(
      'FRONTMATTER_ENGINE_FORBIDDEN',
      CODE_LANGUAGES.has(language)
        ? `frontmatter "---${language}" is not allowed: kabar never runs code from a post — write the frontmatter as YAML between --- lines`
        : `frontmatter "---${language}" is not a format kabar reads — write YAML or JSON between --- lines, or TOML between +++ lines`,
      { file, line: 1 },
    )
  }
  // gray-matter would read the whole file as frontmatter and report some
  // YAML error deep in the body.
  if (language !== undefined && text.indexOf('\n---', 3) === -1) {
    throw new KabarError(
      'FRONTMATTER_INVALID',
      'frontmatter opened with --- is never closed — add a line "---" after the last field',
      { file, line: 1 },
    )
  }
  if (language === '') {
    const simple = parseSimpleFrontmatter(text)
    if (simple !== undefined) return simple
  }
  const fieldLines = new Map<string, number>()
  const refuse = (): never => {
    throw new KabarError('FRONTMATTER_ENGINE_FORBIDDEN', 'frontmatter that runs code is not allowed', { file, line: 1 })
  }
  const yaml = { parse: (block: string) => parseYamlBlock(block, file, fieldLines) }
  const json = { parse: (block: string) => parseJsonBlock(block, file, fieldLines) }
  const matter = loadGrayMatter()
  const parsed = matter(text, {
    language: 'yaml',
    engines: {
      // gray-matter looks an engine up by the name as written and lower-cases
      // only its own aliases, so `---JSON` would find none and throw.
      ...(writtenLanguage ? { [writtenLanguage]: language === 'json' ? json : yaml } : {}),
      yaml,
      json,
      js: { parse: refuse },
      javascript: { parse: refuse },
      coffee: { parse: refuse },
      coffeescript: { parse: refuse },
      cson: { parse: refuse },
    },
  } as unknown as Parameters<typeof matter>[1])
  const data = parsed.data as unknown
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new KabarError('FRONTMATTER_INVALID', 'frontmatter must be a list of "key: value" lines', { file, line: 2 })
  }
  const body = parsed.content
  return {
    data: data as Record<string, unknown>,
    body,
    bodyLine: lineAt(text, text.length - body.length),
    fieldLines,
  }
}

/**
 * The common case without gray-matter or yaml: `---` on the first line, YAML
 * that simple-yaml.ts reads, and a closing `---` line. The split is the one
 * gray-matter makes (the body starts after the closing line's line break).
 */
function parseSimpleFrontmatter(text: string): ParsedFrontmatter | undefined {
  if (!text.startsWith('---\n')) return undefined
  const close = text.indexOf('\n---', 3)
  if (close === -1 || (close + 4 < text.length && text[close + 4] !== '\n')) return undefined
  const simple = parseSimpleYaml(text.slice(3, close))
  if (simple === undefined) return undefined
  const body = text.slice(close + 5)
  return { data: simple.data, body, bodyLine: lineAt(text, text.length - body.length), fieldLines: simple.fieldLines }
}

/** The word after the opening `---` as written, or `undefined` when there is no frontmatter. */
function frontmatterLanguage(text: string): string | undefined {
  if (!text.startsWith('---')) return undefined
  const firstLine = text.slice(3, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'))
  if (firstLine.startsWith('-')) return undefined
  return firstLine.trim()
}

function parseYamlBlock(block: string, file: string, fieldLines: Map<string, number>): unknown {
  // gray-matter hands us everything after the opening `---`, starting with
  // the rest of that line, so line N of `block` is line N of the file.
  const { isMap, isScalar, parseDocument } = loadYaml()
  const document = parseDocument(block, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: true })
  const problem = document.errors[0] ?? document.warnings[0]
  if (problem) {
    const line = problem.linePos?.[0]?.line
    const detail = problem.message.replace(/ at line \d+, column \d+[\s\S]*$/, '')
    const message =
      problem.code === 'TAG_RESOLVE_FAILED'
        ? `frontmatter uses a YAML tag kabar does not accept (${detail.replace('Unresolved tag: ', '')}) — remove the "!!" tag`
        : /call stack/i.test(detail)
          ? 'frontmatter is nested too deeply to read — kabar reads only a few levels of it: flatten the value'
          : `frontmatter is not valid YAML: ${lowerFirst(detail)}`
    throw new KabarError('FRONTMATTER_INVALID', message, {
      file,
      line,
      hint: 'Check the indentation and quotes on that line.',
    })
  }
  if (isMap(document.contents)) {
    for (const pair of document.contents.items) {
      if (isScalar(pair.key) && pair.key.range) {
        fieldLines.set(String(pair.key.value), lineAt(block, pair.key.range[0]))
      }
    }
  }
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}
  } catch {
    throw new KabarError(
      'FRONTMATTER_INVALID',
      'frontmatter expands YAML aliases too many times — write the values out instead of using * references',
      { file, line: 2 },
    )
  }
}

function parseJsonBlock(block: string, file: string, fieldLines: Map<string, number>): unknown {
  let data: unknown
  try {
    data = JSON.parse(block)
  } catch (error) {
    throw new KabarError('FRONTMATTER_INVALID', `frontmatter is not valid JSON: ${(error as Error).message}`, {
      file,
      line: 2,
    })
  }
  // As with YAML, line N of `block` is line N of the file; a key's line is
  // where its quoted name first appears.
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const key of Object.keys(data)) {
      const at = block.indexOf(JSON.stringify(key))
      if (at >= 0) fieldLines.set(key, lineAt(block, at))
    }
  }
  return data
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
