import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** `../shared/conformance/` beside the repository, when present (it is in CI). */
export const CONFORMANCE_DIR = path.resolve(import.meta.dirname, '../../../shared/conformance')

export interface ConformanceResult {
  /** Why the checkers did not run, when they did not. */
  skipped: string | undefined
  ok: boolean
  output: string
  /** Checkers that reported SKIP (a dependency missing). */
  skippedCheckers: string[]
}

/**
 * Runs `check-all --strict DIR` from the shared conformance suite: the W3C
 * validator, the Atom RELAX NG schema, feedparser, newsboat and the JSON
 * Feed checker. Where the suite is not beside the repo, says so.
 */
export async function checkAll(directory: string, options: { strict?: boolean } = {}): Promise<ConformanceResult> {
  const checkAllPath = path.join(CONFORMANCE_DIR, 'check-all')
  if (!existsSync(checkAllPath)) {
    return { skipped: `${checkAllPath} not found`, ok: true, output: '', skippedCheckers: [] }
  }
  const args = [...(options.strict === false ? [] : ['--strict']), '-v', directory]
  let output: string
  let ok: boolean
  try {
    const result = await run(checkAllPath, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
    output = result.stdout + result.stderr
    ok = true
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string }
    output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`
    ok = false
  }
  const skippedCheckers = [...output.matchAll(/^SKIP\s+\S+\s+(\S+)/gm)].map((match) => match[1] ?? '')
  return { skipped: undefined, ok, output, skippedCheckers: [...new Set(skippedCheckers)] }
}

/** Says once, on stderr, which checkers could not run, so a skip is never silent. */
export function reportSkips(result: ConformanceResult, label: string): void {
  if (result.skipped !== undefined) console.warn(`conformance checkers skipped for ${label}: ${result.skipped}`)
  else if (result.skippedCheckers.length > 0) {
    console.warn(`conformance: ${result.skippedCheckers.join(', ')} not installed, skipped for ${label}`)
  }
}
