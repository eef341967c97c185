import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { KabarError } from '../errors.js'
import { errorCode, type FileSystem } from './file-system.js'
import { streamTemp } from './write-outputs.js'

/**
 * Temp file beside the target, then rename; an unchanged file is left alone
 * (its mtime too). `contents` in pieces are written as they are made, and
 * compared with the file on disk on the way, never joined into one string.
 */
export async function writeFileAtomically(
  target: string,
  contents: string | Iterable<string>,
  fileSystem: FileSystem,
): Promise<void> {
  const tempPath = path.join(
    path.dirname(target),
    `.${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  )
  const pieces = typeof contents === 'string' ? [contents] : contents
  try {
    const temp = await streamTemp([], pieces[Symbol.iterator](), target, async () => tempPath, fileSystem)
    if (temp !== undefined) await fileSystem.rename(temp, target)
  } catch (error) {
    await fileSystem.unlink(tempPath).catch(() => undefined)
    throw new KabarError(
      'OUTPUT_FAILED',
      `cannot write ${target} (${errorCode(error) ?? (error as Error).message}) — check that its folder is writable`,
      { file: target },
    )
  }
}
