import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { OutputFile } from '../src/core/render-outputs.js'
import { OutputRecordStore } from '../src/io/build-memo.js'
import { type FileSystem, nodeFileSystem } from '../src/io/file-system.js'
import { writeFileAtomically } from '../src/io/write-file-atomically.js'
import { measureOutputs, type OutputRecord, type OutputRecords, writeOutputs } from '../src/io/write-outputs.js'

/**
 * writeOutputs makes and writes one file at a time, and still writes every
 * temp file before the first rename: proved here with a file system that
 * logs each call, and files that log when they are serialized.
 */

const tempDirs: string[] = []
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

let outDir: string
beforeEach(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kabar-write-outputs-'))
  tempDirs.push(dir)
  outDir = path.join(dir, 'dist')
})

/** An output file that logs when it is serialized, in pieces of at most `pieceLength` characters. */
function file(name: string, text: string, log: string[], hash?: string, pieceLength = text.length): OutputFile {
  const output: OutputFile = {
    name,
    size: undefined,
    inputsHash: () => hash,
    *chunks() {
      log.push(`contents ${name}`)
      for (let start = 0; start < text.length; start += pieceLength) yield text.slice(start, start + pieceLength)
      output.size = Buffer.byteLength(text)
    },
  }
  return output
}

/** The real file system, logging writes, renames and temp files opened, failing where `fail` says. */
function loggingFileSystem(
  log: string[],
  fail: (method: string, file: string) => string | undefined = () => undefined,
) {
  const guard =
    <Arguments extends unknown[], Result>(method: string, real: (...args: Arguments) => Promise<Result>) =>
    async (...args: Arguments): Promise<Result> => {
      const name = path.relative(outDir, String(args[0]))
      const isTemp = name.endsWith('.tmp')
      if (method === 'writeFile' || method === 'rename' || (method === 'open' && isTemp)) {
        log.push(
          `${method} ${method === 'rename' ? path.relative(outDir, String(args[1])) : name.replace(/-\d+-\w+\.tmp$/, '.tmp')}`,
        )
      }
      const code = fail(method, name)
      if (code !== undefined) throw Object.assign(new Error(`${code}: injected`), { code })
      return real(...args)
    }
  const fileSystem: FileSystem = {
    ...nodeFileSystem,
    writeFile: guard('writeFile', nodeFileSystem.writeFile),
    rename: guard('rename', nodeFileSystem.rename),
    open: guard('open', nodeFileSystem.open) as FileSystem['open'],
  }
  return fileSystem
}

async function filesIn(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const full = path.join(dir, name)
    if ((await stat(full)).isFile()) files[name.split(path.sep).join('/')] = await readFile(full, 'utf8')
  }
  return files
}

class MemoryRecords implements OutputRecords {
  readonly records = new Map<string, OutputRecord>()
  get(target: string) {
    return this.records.get(target)
  }
  replaceIn(_outDir: string, records: ReadonlyMap<string, OutputRecord>) {
    this.records.clear()
    for (const [target, record] of records) this.records.set(target, record)
  }
}

describe('writeOutputs', () => {
  it('serializes each file only after the last one went to its temp file, and renames after all of them', async () => {
    const log: string[] = []
    const files = ['a.xml', 'sub/b.json', 'c.xml'].map((name) => file(name, `<${name}/>\n`, log))
    const result = await writeOutputs(outDir, files, { fileSystem: loggingFileSystem(log) })
    expect(log).toEqual([
      'contents a.xml',
      'writeFile .kabar-a.xml.tmp',
      'contents sub/b.json',
      'writeFile sub/.kabar-b.json.tmp',
      'contents c.xml',
      'writeFile .kabar-c.xml.tmp',
      'rename a.xml',
      'rename sub/b.json',
      'rename c.xml',
    ])
    expect(result).toEqual({ written: ['a.xml', 'sub/b.json', 'c.xml'], unchanged: [], isReplaced: true })
    expect(await filesIn(outDir)).toEqual({
      'a.xml': '<a.xml/>\n',
      'c.xml': '<c.xml/>\n',
      'sub/b.json': '<sub/b.json/>\n',
    })
  })

  it('that fails half-way (ENOSPC on the second temp file) leaves every old file, serializes no more, and removes its temps', async () => {
    const old = ['a.xml', 'b.xml', 'c.xml'].map((name) => file(name, `old ${name}\n`, []))
    await writeOutputs(outDir, old)
    const log: string[] = []
    const files = ['a.xml', 'b.xml', 'c.xml'].map((name) => file(name, `new ${name}\n`, log))
    const fileSystem = loggingFileSystem(log, (method, name) =>
      method === 'writeFile' && name.startsWith('.kabar-b.xml') ? 'ENOSPC' : undefined,
    )
    await expect(writeOutputs(outDir, files, { fileSystem })).rejects.toThrow(/disk is full/)
    expect(log).toEqual([
      'contents a.xml',
      'writeFile .kabar-a.xml.tmp',
      'contents b.xml',
      'writeFile .kabar-b.xml.tmp',
    ])
    expect(await filesIn(outDir)).toEqual({ 'a.xml': 'old a.xml\n', 'b.xml': 'old b.xml\n', 'c.xml': 'old c.xml\n' })
  })

  it('leaves a file with the same bytes alone, its time too, whatever its size', async () => {
    // Larger than one comparison chunk, with characters of every UTF-8 length and a pair split by the chunk edge.
    const big = `${'a'.repeat(1024 * 1024 - 1)}😀${'é€'.repeat(300_000)}\n`
    await writeOutputs(outDir, [file('big.json', big, []), file('small.xml', 'small\n', [])])
    const past = new Date('2025-01-01T00:00:00Z')
    await utimes(path.join(outDir, 'big.json'), past, past)
    const changedAtEnd = `${big.slice(0, -2)}!\n`
    const result = await writeOutputs(outDir, [file('big.json', big, []), file('small.xml', 'small!\n', [])])
    expect(result).toEqual({ written: ['small.xml'], unchanged: ['big.json'], isReplaced: true })
    expect((await stat(path.join(outDir, 'big.json'))).mtime).toEqual(past)
    const again = await writeOutputs(outDir, [file('big.json', changedAtEnd, [])])
    expect(again.written).toEqual(['big.json'])
    expect(await readFile(path.join(outDir, 'big.json'), 'utf8')).toBe(changedAtEnd)
  })

  it('that is told not to replace (a --strict build with a warning) replaces nothing and leaves no temp or new folder', async () => {
    await writeOutputs(outDir, [file('a.xml', 'old\n', [])])
    const result = await writeOutputs(outDir, [file('a.xml', 'new\n', []), file('archive/1.xml', 'page\n', [])], {
      shouldReplace: () => false,
    })
    expect(result).toEqual({ written: [], unchanged: [], isReplaced: false })
    expect(await readdir(outDir)).toEqual(['a.xml'])
    expect(await readFile(path.join(outDir, 'a.xml'), 'utf8')).toBe('old\n')
  })

  it('does not serialize a file written from the same inputs and untouched since', async () => {
    const records = new MemoryRecords()
    const first: string[] = []
    await writeOutputs(outDir, [file('a.xml', 'a\n', first, 'hash-a'), file('b.xml', 'b\n', first, 'hash-b')], {
      records,
    })
    expect([...records.records.keys()].map((target) => path.relative(outDir, target))).toEqual(['a.xml', 'b.xml'])

    const second: string[] = []
    const files = [file('a.xml', 'a\n', second, 'hash-a'), file('b.xml', 'b2\n', second, 'hash-b2')]
    const result = await writeOutputs(outDir, files, { records })
    expect(second).toEqual(['contents b.xml'])
    expect(result).toEqual({ written: ['b.xml'], unchanged: ['a.xml'], isReplaced: true })
    expect(files[0]?.size).toBe(2)

    // Touched since (or replaced by hand): its stamp no longer matches, so it is made again.
    await writeFile(path.join(outDir, 'a.xml'), 'A\n')
    const third: string[] = []
    const again = await writeOutputs(
      outDir,
      [file('a.xml', 'a\n', third, 'hash-a'), file('b.xml', 'b2\n', third, 'hash-b2')],
      {
        records,
      },
    )
    expect(third).toEqual(['contents a.xml'])
    expect(again.written).toEqual(['a.xml'])
    expect(await readFile(path.join(outDir, 'a.xml'), 'utf8')).toBe('a\n')
  })

  it('measures (for a check) without serializing what the records vouch for', async () => {
    const records = new MemoryRecords()
    await writeOutputs(outDir, [file('a.xml', 'aaa\n', [], 'hash-a')], { records })
    const log: string[] = []
    const files = [file('a.xml', 'aaa\n', log, 'hash-a'), file('b.xml', 'bb\n', log, 'hash-b')]
    await measureOutputs(outDir, files, { records })
    expect(log).toEqual(['contents b.xml'])
    expect(files.map((output) => output.size)).toEqual([4, 3])
  })
})

describe('writeOutputs with files too big to hold whole', () => {
  // Every file streamed to its temp file piece by piece, as a full archive's 100 MB feeds are.
  const streamAbove = 0

  it('still writes every temp file before the first rename, one file after the other', async () => {
    const log: string[] = []
    const files = ['a.xml', 'sub/b.json'].map((name) =>
      file(name, `<${name}>${'x'.repeat(3000)}</${name}>\n`, log, undefined, 7),
    )
    const result = await writeOutputs(outDir, files, { fileSystem: loggingFileSystem(log), streamAbove })
    expect(log).toEqual([
      'contents a.xml',
      'open .kabar-a.xml.tmp',
      'contents sub/b.json',
      'open sub/.kabar-b.json.tmp',
      'rename a.xml',
      'rename sub/b.json',
    ])
    expect(result.written).toEqual(['a.xml', 'sub/b.json'])
    expect(await readFile(path.join(outDir, 'sub', 'b.json'), 'utf8')).toBe(
      `<sub/b.json>${'x'.repeat(3000)}</sub/b.json>\n`,
    )
    expect(files.map((output) => output.size)).toEqual([3016, 3026])
  })

  it('that fails half-way leaves every old file and no temp file', async () => {
    await writeOutputs(
      outDir,
      ['a.xml', 'b.xml', 'c.xml'].map((name) => file(name, `old ${name}\n`, [])),
    )
    const log: string[] = []
    const files = ['a.xml', 'b.xml', 'c.xml'].map((name) => file(name, `new ${name}\n`, log, undefined, 3))
    const fileSystem = loggingFileSystem(log, (method, name) =>
      method === 'open' && name.startsWith('.kabar-b.xml') ? 'ENOSPC' : undefined,
    )
    await expect(writeOutputs(outDir, files, { fileSystem, streamAbove })).rejects.toThrow(/disk is full/)
    expect(log).toEqual(['contents a.xml', 'open .kabar-a.xml.tmp', 'contents b.xml', 'open .kabar-b.xml.tmp'])
    expect(await filesIn(outDir)).toEqual({ 'a.xml': 'old a.xml\n', 'b.xml': 'old b.xml\n', 'c.xml': 'old c.xml\n' })
  })

  it('leaves a file with the same bytes alone, and replaces one that differs anywhere, or only in length', async () => {
    const text = `${'é€😀 '.repeat(400_000)}\n`
    await writeOutputs(outDir, [file('same', text, []), file('end', text, []), file('longer', text, [])])
    const past = new Date('2025-01-01T00:00:00Z')
    await utimes(path.join(outDir, 'same'), past, past)
    const files = [
      file('same', text, [], undefined, 100_001),
      file('end', `${text.slice(0, -1)}!`, [], undefined, 100_001),
      file('longer', `${text}\n`, [], undefined, 100_001),
    ]
    const result = await writeOutputs(outDir, files, { streamAbove })
    expect(result).toEqual({ written: ['end', 'longer'], unchanged: ['same'], isReplaced: true })
    expect((await stat(path.join(outDir, 'same'))).mtime).toEqual(past)
    expect(await readFile(path.join(outDir, 'end'), 'utf8')).toBe(`${text.slice(0, -1)}!`)
    expect(await readFile(path.join(outDir, 'longer'), 'utf8')).toBe(`${text}\n`)
    expect(await readdir(outDir)).toEqual(['end', 'longer', 'same'])
  })
})

describe('the output records file', () => {
  it('is read back as written, and ignored when damaged or from another kabar', async () => {
    const recordsFile = path.join(path.dirname(outDir), '.cache', 'kabar', 'outputs.bin')
    const target = path.join(outDir, 'rss.xml')
    OutputRecordStore.open(recordsFile).replaceIn(outDir, new Map([[target, { hash: 'h', size: 3, mtimeMs: 42 }]]))
    expect(OutputRecordStore.open(recordsFile).get(target)).toEqual({ hash: 'h', size: 3, mtimeMs: 42 })

    const bytes = await readFile(recordsFile)
    for (const damaged of [
      bytes.subarray(0, bytes.length - 1),
      Buffer.concat([bytes, Buffer.from('x')]),
      Buffer.from(''),
    ]) {
      await writeFile(recordsFile, damaged)
      expect(OutputRecordStore.open(recordsFile).get(target)).toBeUndefined()
    }
    const flipped = Buffer.from(bytes)
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 1
    await writeFile(recordsFile, flipped)
    expect(OutputRecordStore.open(recordsFile).get(target)).toBeUndefined()
  })

  it('forgets the files of the same output folder that a build no longer writes', async () => {
    const recordsFile = path.join(path.dirname(outDir), '.cache', 'kabar', 'outputs.bin')
    await mkdir(path.dirname(recordsFile), { recursive: true })
    const store = OutputRecordStore.open(recordsFile)
    const elsewhere = path.join(path.dirname(outDir), 'other', 'rss.xml')
    store.replaceIn(path.dirname(elsewhere), new Map([[elsewhere, { hash: 'o', size: 1, mtimeMs: 1 }]]))
    store.replaceIn(outDir, new Map([[path.join(outDir, 'tags', 'a', 'rss.xml'), { hash: 'a', size: 1, mtimeMs: 1 }]]))
    store.replaceIn(outDir, new Map([[path.join(outDir, 'rss.xml'), { hash: 'm', size: 1, mtimeMs: 1 }]]))
    const reopened = OutputRecordStore.open(recordsFile)
    expect(reopened.get(path.join(outDir, 'tags', 'a', 'rss.xml'))).toBeUndefined()
    expect(reopened.get(path.join(outDir, 'rss.xml'))?.hash).toBe('m')
    expect(reopened.get(elsewhere)?.hash).toBe('o')
  })
})

describe('writeFileAtomically with contents in pieces (the id manifest)', () => {
  it('leaves a file with the same bytes alone, replaces one that differs, and leaves no temp file', async () => {
    await mkdir(outDir, { recursive: true })
    const target = path.join(outDir, 'kabar.ids.json')
    // A surrogate pair split across two pieces must still be one character.
    const pieces = ['{"a": "\ud83d', '\ude00"}', '\n']
    await writeFileAtomically(target, pieces, nodeFileSystem)
    expect(await readFile(target, 'utf8')).toBe('{"a": "😀"}\n')
    const past = new Date('2025-01-01T00:00:00Z')
    await utimes(target, past, past)
    await writeFileAtomically(target, ['{"a": "😀"}', '\n'], nodeFileSystem)
    expect((await stat(target)).mtime).toEqual(past)
    await writeFileAtomically(target, ['{"a": "😀"}', '\n\n'], nodeFileSystem)
    expect(await readFile(target, 'utf8')).toBe('{"a": "😀"}\n\n')
    expect(await readdir(outDir)).toEqual(['kabar.ids.json'])
  })
})
