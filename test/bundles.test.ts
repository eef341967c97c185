import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderPost } from '../src/core/render.js'
import { makePost } from './helpers/posts.js'

/**
 * The compiled package renders with the unified libraries bundled into one
 * file (lib/core/render-bundle.js, made by `npm run compile`); the source
 * tree, as the tests run it, with the packages themselves. Every fixture
 * post must come out the same from both.
 */

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures')
const BUNDLE = path.resolve(import.meta.dirname, '..', 'lib', 'core', 'render-bundle.js')

function fixturePosts(): string[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md') && !name.includes('expected'))
    .map((name) => path.join(FIXTURES, name))
    .filter((file) => statSync(file).size < 64 * 1024)
    .sort()
}

describe('the bundled render libraries', () => {
  it('are what the compiled package loads', async () => {
    expect(existsSync(BUNDLE)).toBe(true)
    const bundled = (await import(BUNDLE)) as Record<string, unknown>
    const entry = (await import('../src/core/render-bundle-entry.js')) as Record<string, unknown>
    expect(Object.keys(bundled).sort()).toEqual(Object.keys(entry).sort())
    const libraries = (await import(
      '../lib/core/render-libraries.js'
    )) as unknown as typeof import('../src/core/render-libraries.js')
    await libraries.loadRenderLibraries()
    expect(libraries.renderLibraries().remark).toBe(bundled.remark)
  })

  it('render every fixture post as the packages do', async () => {
    const compiled = (await import('../lib/core/render.js')) as unknown as typeof import('../src/core/render.js')
    const files = fixturePosts()
    expect(files.length).toBeGreaterThan(50)
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const body = text.startsWith('---') ? text.slice(text.indexOf('\n---', 3) + 4) : text
      const post = makePost({ file, body, url: 'https://x.example/2025/a/' })
      const fromSource = renderPost(post)
      const fromBundle = compiled.renderPost(post)
      expect(fromBundle.html, file).toBe(fromSource.html)
      expect(fromBundle.summaryText, file).toBe(fromSource.summaryText)
      expect(fromBundle.warnings.map((warning) => warning.message)).toEqual(
        fromSource.warnings.map((warning) => warning.message),
      )
    }
  })
})

/**
 * bin/kabar.js runs the command line from one bundle, lib/cli/main.bundle.js
 * (and its chunks). Its modules name files by URL from their own folders:
 * each must be there from lib/cli/ too, or a worker would fail to start (and
 * the scanning worker fails quietly, leaving the work to the main thread).
 */
describe('the bundled command line', () => {
  const CLI = path.resolve(import.meta.dirname, '..', 'lib', 'cli')

  it('is what bin/kabar.js runs', async () => {
    expect(readFileSync(path.resolve(CLI, '..', '..', 'bin', 'kabar.js'), 'utf8')).toContain(
      '../lib/cli/main.bundle.js',
    )
    const bundle = (await import(path.join(CLI, 'main.bundle.js'))) as { main?: unknown }
    expect(typeof bundle.main).toBe('function')
  })

  it('names only files that exist from its folder', () => {
    const chunks = readdirSync(CLI).filter((name) => name.startsWith('main.bundle') && name.endsWith('.js'))
    const named = chunks.flatMap((name) =>
      [...readFileSync(path.join(CLI, name), 'utf8').matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)].map(
        (match) => match[1] as string,
      ),
    )
    expect(named).toEqual(expect.arrayContaining(['../io/scan-worker.js', '../io/render-worker.js']))
    for (const relative of named) expect(existsSync(path.resolve(CLI, relative)), relative).toBe(true)
  })
})
