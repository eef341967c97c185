import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { KabarError } from '../errors.js'
import { errorCode, type FileSystem } from './file-system.js'

/** Temp file beside the target, then rename; an unchanged file is left alone (its mtime too). */
export async function writeFileAtomically(target: string, contents: string, fileSystem: FileSystem): Promise<void> {
  const existing = await fileSystem.readFile(target).catch(() => undefined)
  if (existing?.equals(Buffer.from(contents, 'utf8'))) return
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  )
  try {
    await fileSystem.writeFile(temp, contents)
    await fileSystem.rename(temp, target)
  } catch (error) {
    await fileSystem.unlink(temp).catch(() => undefined)
    throw new KabarError(
      'OUTPUT_FAILED',
      `cannot write ${target} (${errorCode(error) ?? (error as Error).message}) — check that its folder is writable`,
      { file: target },
    )
  }
}
