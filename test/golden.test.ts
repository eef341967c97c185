import { existsSync, readdirSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type BuildOptions, build } from '../src/build.js'
import { formatProblem } from '../src/cli/report.js'
import { checkAll, reportSkips } from './helpers/conformance.js'

/**
 * Every folder in test/fixtures/ with a kabar.config.json is a case: its
 * posts are built with a fixed clock and the output is compared byte for
 * byte with expected/ (rss.xml, atom.xml, feed.json), or, for a case that
 * must fail, the messages with expected/errors.txt. Optional case.json
 * holds build options ({ "now": "…", "drafts": true, "future": true,
 * "strict": true, "limit": 0 }), posts too big to keep in git
 * ("generate": [{ "path", "text", "repeat", "times" }]: `text` followed by
 * `repeat` written `times` times), and W3C warnings the content really
 * calls for ("conformance": { "allowW3cWarnings": ["ImplausibleDate"] }).
 * `vitest -u` writes missing goldens, except in CI, where a missing golden
 * fails.
 */

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures')
const DEFAULT_NOW = '2026-01-01T00:00:00Z'
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(FIXTURES, entry.name, 'kabar.config.json')))
  .map((entry) => entry.name)
  .sort()

const tempDirs: string[] = []
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

interface CaseOptions extends Omit<BuildOptions, 'now'> {
  now?: string
  generate?: { path: string; text: string; repeat: string; times: number }[]
  conformance?: { allowW3cWarnings?: string[] }
}

const builds = new Map<string, ReturnType<typeof buildCaseOnce>>()

/** Each case is built once and shared by its tests. */
function buildCase(name: string) {
  let result = builds.get(name)
  if (result === undefined) {
    result = buildCaseOnce(name)
    builds.set(name, result)
  }
  return result
}

async function buildCaseOnce(name: string) {
  const caseDir = path.join(FIXTURES, name)
  const workDir = await mkdtemp(path.join(os.tmpdir(), `kabar-${name}-`))
  tempDirs.push(workDir)
  // Build from a copy, so a case can never write into the repository.
  await cp(caseDir, workDir, { recursive: true, filter: (source) => !source.includes(`${path.sep}expected`) })
  const caseOptionsPath = path.join(caseDir, 'case.json')
  const caseOptions: CaseOptions = existsSync(caseOptionsPath)
    ? JSON.parse(await readFile(caseOptionsPath, 'utf8'))
    : {}
  const { now = DEFAULT_NOW, generate = [], conformance = {}, ...options } = caseOptions
  for (const file of generate) {
    await writeFile(path.join(workDir, file.path), file.text + file.repeat.repeat(file.times))
  }
  const report = await build({ ...options, cwd: workDir, out: path.join(workDir, 'dist'), now: new Date(now) })
  return { caseDir, workDir, report, allowW3cWarnings: conformance.allowW3cWarnings ?? [] }
}

/** Every file under `directory`, as sorted paths relative to it. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort()
}

describe.each(cases)('fixture %s', (name) => {
  it('builds exactly the expected feeds or errors', async () => {
    const { caseDir, workDir, report } = await buildCase(name)
    const expectedDir = path.join(caseDir, 'expected')
    const messages = [...report.errors, ...report.warnings].map((problem) => formatProblem(problem, workDir)).join('\n')
    if (!report.ok) {
      await expect(`${messages}\n`).toMatchFileSnapshot(path.join(expectedDir, 'errors.txt'))
      expect(existsSync(path.join(workDir, 'dist'))).toBe(false)
      return
    }
    if (messages !== '' || existsSync(path.join(expectedDir, 'warnings.txt'))) {
      await expect(`${messages}\n`).toMatchFileSnapshot(path.join(expectedDir, 'warnings.txt'))
    }
    const written = await filesUnder(path.join(workDir, 'dist'))
    expect(written.length).toBeGreaterThan(0)
    for (const file of written) {
      const contents = await readFile(path.join(workDir, 'dist', file), 'utf8')
      await expect(contents).toMatchFileSnapshot(path.join(expectedDir, file))
    }
  })

  it('passes every conformance checker with --strict', async () => {
    const { workDir, report, allowW3cWarnings } = await buildCase(name)
    if (!report.ok) return
    // check-all reads one folder, not its sub-folders (tags/…, archive/…).
    const folders = new Set((await filesUnder(path.join(workDir, 'dist'))).map((file) => path.dirname(file)))
    const tolerated = new Set<string>()
    let hasW3cRun = false
    for (const folder of [...folders].sort()) {
      const result = await checkAll(path.join(workDir, 'dist', folder), { allowW3cWarnings })
      reportSkips(result, `${name}/${folder}`)
      expect(result.ok, result.output).toBe(true)
      for (const warning of result.toleratedW3cWarnings) tolerated.add(warning)
      hasW3cRun ||= result.skipped === undefined && !result.skippedCheckers.includes('w3c-validate')
    }
    // An allowance the output no longer needs must go, or it would hide the next real warning.
    if (hasW3cRun) expect([...tolerated].sort()).toEqual([...allowW3cWarnings].sort())
    // A case with tag and archive folders runs a dozen check-all calls.
  }, 240_000)
})
