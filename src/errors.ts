/**
 * Every problem kabar reports to a user is a `KabarError`: a stable `code`
 * people can search for, the file and line it concerns, and a message that
 * says what happened and what to do. Core code collects them; only the CLI
 * formats them.
 */

/** Stable identifiers: never renamed, because people search for them. */
export type KabarErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'POSTS_DIR_MISSING'
  | 'NO_POSTS'
  | 'NO_PUBLISHABLE_POSTS'
  | 'POST_UNREADABLE'
  | 'POST_NOT_UTF8'
  | 'POST_TOO_LARGE'
  | 'POST_TOO_COMPLEX'
  | 'WORD_TOO_LONG'
  | 'FRONTMATTER_INVALID'
  | 'FRONTMATTER_ENGINE_FORBIDDEN'
  | 'FIELD_MISSING'
  | 'FIELD_INVALID'
  | 'DATE_INVALID'
  | 'ID_NOT_CANONICAL'
  | 'DUPLICATE_ID'
  | 'DUPLICATE_URL'
  | 'OUTPUT_FAILED'
  | 'LOCKED'
  | 'USAGE'
  // warnings
  | 'CHARACTERS_REMOVED'
  | 'HTML_SANITIZED'
  | 'EMBED_REPLACED'
  | 'URL_INVALID'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_TYPE_UNKNOWN'
  | 'SUMMARY_MISSING'
  | 'TITLE_HAS_MARKUP'
  // presets (issue 4)
  | 'TEMPLATE_REMOVED'
  | 'TEMPLATE_LINK_GUESSED'
  | 'TEMPLATE_LINK_UNRESOLVED'
  | 'SCRIPT_REMOVED'
  | 'DATE_FROM_MTIME'
  | 'PRESET_AMBIGUOUS'
  | 'SITE_URL_DIFFERS'
  | 'IMAGE_URL_UNKNOWN'
  // more feeds (issue 8)
  | 'FEED_TOO_LARGE'
  | 'FEED_EMPTY'
  | 'ID_CHANGED'
  | 'ID_MANIFEST_INVALID'
  | 'COMPARE_FAILED'
  | 'HUB_UNREACHABLE'
  | 'HUB_MISSING'

export type Severity = 'error' | 'warning'

export interface KabarErrorDetails {
  /** Absolute path of the file the problem is in, when there is one. */
  file?: string | undefined
  /** 1-based line in that file. */
  line?: number | undefined
  /** The frontmatter field or config key concerned. */
  field?: string | undefined
  /** What to do about it, when the message alone does not say. */
  hint?: string | undefined
  severity?: Severity
}

export class KabarError extends Error {
  override readonly name = 'KabarError'
  readonly code: KabarErrorCode
  readonly file: string | undefined
  readonly line: number | undefined
  readonly field: string | undefined
  readonly hint: string | undefined
  readonly severity: Severity

  constructor(code: KabarErrorCode, message: string, details: KabarErrorDetails = {}) {
    super(message)
    this.code = code
    this.file = details.file
    this.line = details.line
    this.field = details.field
    this.hint = details.hint
    this.severity = details.severity ?? 'error'
  }
}

/** A problem that does not stop the build (unless `--strict`). */
export function kabarWarning(
  code: KabarErrorCode,
  message: string,
  details: Omit<KabarErrorDetails, 'severity'> = {},
): KabarError {
  return new KabarError(code, message, { ...details, severity: 'warning' })
}

/** Several problems found together (every bad key of a config, say), reported one per line. */
export class KabarErrorList extends Error {
  override readonly name = 'KabarErrorList'
  readonly errors: readonly KabarError[]

  constructor(errors: readonly KabarError[]) {
    super(errors.map((error) => error.message).join('\n'))
    this.errors = errors
  }
}

export function isKabarError(value: unknown): value is KabarError {
  return value instanceof KabarError
}
