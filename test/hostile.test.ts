import { existsSync, rmSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import matter from 'gray-matter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuildReport, build } from '../src/build.js'
import { type FileSystem, nodeFileSystem } from '../src/io/file-system.js'

/**
 * What the golden files of test/fixtures/hostile-* cannot show: that code in
 * frontmatter never runs, that an oversized post is never read, and that the
 * inputs that make Markdown parsers take minutes are refused in seconds.
 */

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures')
/** The file the ---js payloads in hostile-rejected write when evaluated (see their frontmatter). */
const MARKER = path.join(os.tmpdir(), 'kabar-hostile-frontmatter-ran')
const NOW = new Date('2026-01-01T00:00:00Z')

const tempDirs: string[] = []
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function copyCase(name: string): Promise<string> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), `kabar-${name}-`))
  tempDirs.push(workDir)
  await cp(path.join(FIXTURES, name), workDir, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}expected`),
  })
  return workDir
}

/** A FileSystem that records every file whose whole content was read. */
function recordingFileSystem(): { fileSystem: FileSystem; read: string[] } {
  const read: string[] = []
  return {
    read,
    fileSystem: {
      ...nodeFileSystem,
      readFile: (file) => {
        read.push(file)
        return nodeFileSystem.readFile(file)
      },
    },
  }
}

describe('the hostile-rejected fixture', () => {
  let workDir: string
  let report: BuildReport
  let read: string[]
  let elapsedMs: number

  beforeAll(async () => {
    rmSync(MARKER, { force: true })
    workDir = await copyCase('hostile-rejected')
    // The oversized posts case.json generates for the golden runner.
    await writeFile(
      path.join(workDir, 'posts', 'five-megabytes.md'),
      `---\ntitle: Five megabytes\ndate: 2025-10-01\n---\n${'All work and no play. '.repeat(240_000)}`,
    )
    await writeFile(
      path.join(workDir, 'posts', 'one-megabyte-line.md'),
      `---\ntitle: One line\ndate: 2025-10-02\n---\n${'[*_`<a'.repeat(170_000)}\n`,
    )
    const recording = recordingFileSystem()
    read = recording.read
    const started = performance.now()
    report = await build({ cwd: workDir, now: NOW, fileSystem: recording.fileSystem })
    elapsedMs = performance.now() - started
  })

  it('refuses ---js and ---javascript frontmatter without running it', () => {
    expect(existsSync(MARKER)).toBe(false)
    const codes = report.errors
      .filter((problem) => /javascript-frontmatter|js-frontmatter/.test(problem.file ?? ''))
      .map((problem) => problem.code)
    expect(codes).toEqual(['FRONTMATTER_ENGINE_FORBIDDEN', 'FRONTMATTER_ENGINE_FORBIDDEN'])
  })

  it('uses payloads that gray-matter’s defaults really would run', async () => {
    // Without this control, the test above could pass because a payload is broken.
    for (const name of ['js-frontmatter.md', 'javascript-frontmatter.md']) {
      rmSync(MARKER, { force: true })
      matter(await readFile(path.join(workDir, 'posts', name), 'utf8'), { language: 'yaml' })
      expect(existsSync(MARKER), name).toBe(true)
    }
    rmSync(MARKER, { force: true })
  })

  it('never reads a post over maxPostSize into memory', () => {
    expect(read.some((file) => file.endsWith('one-megabyte-line.md'))).toBe(true)
    expect(read.some((file) => file.endsWith('five-megabytes.md'))).toBe(false)
    expect(report.errors.find((problem) => problem.file?.endsWith('five-megabytes.md'))?.code).toBe('POST_TOO_LARGE')
  })

  it('refuses a megabyte line of Markdown punctuation before parsing it, so quickly', () => {
    // remark needs well over a minute and a gigabyte for this line.
    expect(report.errors.find((problem) => problem.file?.endsWith('one-megabyte-line.md'))?.code).toBe('WORD_TOO_LONG')
    expect(elapsedMs).toBeLessThan(10_000)
  })

  it('reports every refused post with its file, and writes nothing', async () => {
    const files = new Set(report.errors.map((problem) => path.basename(problem.file ?? '')))
    // Of two posts with one slug, the second is the one named.
    const posts = (await readdir(path.join(workDir, 'posts'))).filter((name) => name !== 'same-slug-a.md')
    expect([...files].sort()).toEqual(posts.sort())
    expect(report.errors.every((problem) => problem.file !== undefined)).toBe(true)
    expect(existsSync(path.join(workDir, 'dist'))).toBe(false)
  })
})

describe('a megabyte-long word of plain letters', () => {
  it('is refused in well under a second per megabyte, with its line', async () => {
    const workDir = await copyCase('hostile-encoding')
    await writeFile(
      path.join(workDir, 'posts', 'long-word.md'),
      `---\ntitle: Long word\ndate: 2025-03-11\n---\nFirst line.\n\n${'a'.repeat(1_000_000)}\n`,
    )
    const started = performance.now()
    const report = await build({ cwd: workDir, now: NOW })
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(report.errors.map((problem) => [path.basename(problem.file ?? ''), problem.line, problem.code])).toEqual([
      ['long-word.md', 7, 'WORD_TOO_LONG'],
    ])
  })
})
