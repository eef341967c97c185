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
  /** W3C warning classes that failed the strict run but were allowed. */
  toleratedW3cWarnings: string[]
}

export interface CheckAllOptions {
  strict?: boolean
  /**
   * W3C validator warning classes (`ImplausibleDate`, `ContainsHTML`) to
   * tolerate, for a case whose content really is what they warn about (a
   * post dated before 1990, a title about `</div>`). Only a failure made of
   * nothing but these warnings is forgiven.
   */
  allowW3cWarnings?: readonly string[]
}

/**
 * Runs `check-all --strict DIR` from the shared conformance suite: the W3C
 * validator, the Atom RELAX NG schema, feedparser, newsboat and the JSON
 * Feed checker. Where the suite is not beside the repo, says so.
 */
export async function checkAll(directory: string, options: CheckAllOptions = {}): Promise<ConformanceResult> {
  const checkAllPath = path.join(CONFORMANCE_DIR, 'check-all')
  if (!existsSync(checkAllPath)) {
    return { skipped: `${checkAllPath} not found`, ok: true, output: '', skippedCheckers: [], toleratedW3cWarnings: [] }
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
  const tolerated = ok ? [] : toleratedW3cWarnings(output, options.allowW3cWarnings ?? [])
  return {
    skipped: undefined,
    ok: ok || tolerated !== undefined,
    output,
    skippedCheckers: [...new Set(skippedCheckers)],
    toleratedW3cWarnings: tolerated ?? [],
  }
}

/**
 * The allowed warning classes that explain every failure in a `check-all -v`
 * output, or `undefined` when anything else failed: another checker, a W3C
 * error, or a W3C warning not in `allowed`.
 */
function toleratedW3cWarnings(output: string, allowed: readonly string[]): string[] | undefined {
  const failures = output.split(/^(?=FAIL\s)/m).slice(1)
  if (allowed.length === 0 || failures.length === 0) return undefined
  const seen = new Set<string>()
  for (const failure of failures) {
    if (!/^FAIL\s+\S+\s+w3c-validate\s/.test(failure) || /^\s+\| ERROR:/m.test(failure)) return undefined
    const warnings = failure.split('\n').filter((text) => /^\s+\| WARNING:/.test(text))
    if (warnings.length === 0) return undefined
    for (const line of warnings) {
      const warningClass = /\[(\w+)\]$/.exec(line.trim())?.[1]
      if (warningClass === undefined || !allowed.includes(warningClass)) return undefined
      seen.add(warningClass)
    }
  }
  return [...seen].sort()
}

/** Says once, on stderr, which checkers could not run, so a skip is never silent. */
export function reportSkips(result: ConformanceResult, label: string): void {
  if (result.skipped !== undefined) console.warn(`conformance checkers skipped for ${label}: ${result.skipped}`)
  else if (result.skippedCheckers.length > 0) {
    console.warn(`conformance: ${result.skippedCheckers.join(', ')} not installed, skipped for ${label}`)
  }
}
