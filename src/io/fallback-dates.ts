import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import type { DateFallback } from '../core/config.js'
import type { FallbackDate, SourceFile } from '../core/post.js'

const run = promisify(execFile)

/** git runs at once: enough to overlap their start-up, few enough not to swamp a small machine. */
const GIT_CONCURRENCY = 8

/**
 * Finds a date for each post whose frontmatter and file name give none, in
 * the order a writer expects: the file's first git commit (its author
 * date), then — only when the config asks for it — the file's modification
 * time, which a fresh clone resets, so normalizing warns about it. In a
 * shallow clone git history starts at the clone, so it is not used there.
 */
export async function addFallbackDates(
  sources: readonly SourceFile[],
  options: { fallback: readonly DateFallback[]; postsDir: string },
): Promise<SourceFile[]> {
  if (options.fallback.length === 0) return [...sources]
  const needing = sources.filter(needsFallbackDate)
  if (needing.length === 0) return [...sources]
  const git = options.fallback.includes('git') ? await gitState(options.postsDir) : undefined
  const found = new Map<string, { date?: FallbackDate; note?: string }>()
  let next = 0
  const worker = async () => {
    while (next < needing.length) {
      const source = needing[next++] as SourceFile
      found.set(source.path, await fallbackFor(source.path, options.fallback, git))
    }
  }
  await Promise.all(Array.from({ length: Math.min(GIT_CONCURRENCY, needing.length) }, worker))
  return sources.map((source) => {
    const result = found.get(source.path)
    if (result === undefined) return source
    return {
      ...source,
      fallbackDate: result.date,
      fallbackDateNote: result.date === undefined ? result.note : undefined,
    }
  })
}

type GitState = 'usable' | 'shallow' | 'none'

async function gitState(folder: string): Promise<GitState> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--is-shallow-repository'], { cwd: folder, timeout: 10_000 })
    return stdout.trim() === 'true' ? 'shallow' : 'usable'
  } catch {
    return 'none'
  }
}

async function fallbackFor(
  file: string,
  fallback: readonly DateFallback[],
  git: GitState | undefined,
): Promise<{ date?: FallbackDate; note?: string }> {
  let note: string | undefined
  if (git === 'shallow') {
    note =
      'this is a shallow git clone, so its history cannot give the date: fetch all of it with git fetch --unshallow'
  } else if (git === 'usable') {
    const date = await firstCommitDate(file)
    if (date !== undefined) return { date: { date, from: 'git' } }
    note = 'git has no commit of this file yet, so its history cannot give the date'
  }
  if (fallback.includes('mtime')) {
    const stats = await stat(file).catch(() => undefined)
    if (stats !== undefined) return { date: { date: stats.mtime, from: 'mtime' } }
  }
  return note === undefined ? {} : { note }
}

/** The author date of the commit that added the file, following renames. */
async function firstCommitDate(file: string): Promise<Date | undefined> {
  try {
    const { stdout } = await run(
      'git',
      ['log', '--follow', '--diff-filter=A', '--format=%aI', '--', path.basename(file)],
      { cwd: path.dirname(file), timeout: 30_000, maxBuffer: 1024 * 1024 },
    )
    const oldest = stdout.trim().split('\n').filter(Boolean).at(-1)
    const date = oldest === undefined ? undefined : new Date(oldest)
    return date === undefined || Number.isNaN(date.getTime()) ? undefined : date
  } catch {
    return undefined
  }
}

/** The frontmatter block (YAML, TOML or JSON, after any blank lines), or nothing: a body's "date:" is no field. */
function frontmatterText(text: string): string {
  const start = text.replace(/^\uFEFF/, '').replace(/^(?:[ \t]*\r?\n)+/, '')
  const fence = /^(---|\+\+\+)[^\n]*\n/.exec(start)
  if (fence !== null) {
    const end = start.indexOf(`\n${fence[1]}`, fence[0].length - 1)
    return start.slice(0, end === -1 ? start.length : end)
  }
  if (start.startsWith('{')) {
    const end = start.search(/\n\}/)
    return start.slice(0, end === -1 ? start.length : end)
  }
  return ''
}

/** Date keys and the values that are no date (Eleventy's `git Created`, YAML 1.1 booleans). */
const DATE_FIELD = /^\s*"?(?:date|pubDate|publishDate|publishdate|published)"?\s*[:=]\s*(.*?)\s*,?\s*$/gim
const NOT_A_DATE = /^(?:["']?(?:created|git created|yes|no|true|false|on|off)["']?|""|''|~|null)?$/i

/**
 * True when the post may have no date of its own: no date-named file and
 * no date field near the top. A post wrongly thought to need one costs a
 * git call whose result goes unused; frontmatter dates always win.
 */
export function needsFallbackDate(source: SourceFile): boolean {
  const fileName = source.relativePath.split('/').at(-1) ?? ''
  if (/^\d{4}-\d{2}-\d{2}-/.test(fileName)) return false
  for (const match of frontmatterText(source.text).matchAll(DATE_FIELD)) {
    if (!NOT_A_DATE.test(match[1] ?? '')) return false
  }
  return true
}
