import * as fs from 'node:fs/promises'

/**
 * The file-system calls kabar makes, gathered so tests can inject faults
 * (`EACCES`, `ENOSPC`, `ENOENT`) at this one boundary: CI runs as root, so
 * `chmod` proves nothing there.
 */
export interface FileSystem {
  readFile: (path: string) => Promise<Buffer>
  writeFile: (path: string, data: string) => Promise<void>
  rename: (from: string, to: string) => Promise<void>
  unlink: (path: string) => Promise<void>
  mkdir: (path: string) => Promise<void>
  readdir: typeof fs.readdir
  stat: typeof fs.stat
  lstat: typeof fs.lstat
  open: typeof fs.open
}

export const nodeFileSystem: FileSystem = {
  readFile: (path) => fs.readFile(path),
  writeFile: async (path, data) => {
    // Flush before the rename, so a crash cannot leave a renamed but empty file.
    const handle = await fs.open(path, 'wx')
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
  rename: (from, to) => fs.rename(from, to),
  unlink: (path) => fs.unlink(path),
  mkdir: async (path) => {
    await fs.mkdir(path, { recursive: true })
  },
  readdir: fs.readdir,
  stat: fs.stat,
  lstat: fs.lstat,
  open: fs.open,
}

/** The `code` of a Node.js system error, such as `ENOENT`. */
export function errorCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : undefined
}
