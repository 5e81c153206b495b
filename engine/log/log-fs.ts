/**
 * The file-system calls the log and the checkpoint store make, as one seam:
 * tests swap in a LogFs that fails writes with ENOSPC or EIO to prove that
 * nothing already written is damaged. Positional fd calls only (no O_APPEND),
 * so a failed write can be truncated back and overwritten.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export interface LogFs {
  /** flags as for fs.open ('r', 'r+', 'w', 'wx'...). */
  open(path: string, flags: string): Promise<number>;
  close(fd: number): Promise<void>;
  /** Writes buf[offset, offset+length) at file position `position`; may write less (short write). */
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  fstat(fd: number): Promise<{ size: number; mtimeMs: number }>;
  stat(path: string): Promise<{ size: number; mtimeMs: number }>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
}

const p = {
  open: promisify(fs.open),
  close: promisify(fs.close),
  write: promisify(fs.write),
  read: promisify(fs.read),
  fsync: promisify(fs.fsync),
  ftruncate: promisify(fs.ftruncate),
  fstat: promisify(fs.fstat),
};

/** The real file system (node:fs). */
export const nodeLogFs: LogFs = {
  open: (path, flags) => p.open(path, flags),
  close: (fd) => p.close(fd),
  write: async (fd, buf, offset, length, position) => (await p.write(fd, buf, offset, length, position)).bytesWritten,
  read: async (fd, buf, offset, length, position) => (await p.read(fd, buf, offset, length, position)).bytesRead,
  fsync: (fd) => p.fsync(fd),
  ftruncate: (fd, length) => p.ftruncate(fd, length),
  fstat: async (fd) => {
    const st = await p.fstat(fd);
    return { size: st.size, mtimeMs: st.mtimeMs };
  },
  stat: async (path) => {
    const st = await fs.promises.stat(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  },
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
  readdir: (path) => fs.promises.readdir(path),
  mkdir: async (path) => {
    await fs.promises.mkdir(path, { recursive: true });
  },
  readFile: (path) => fs.promises.readFile(path),
};

/** Write all of buf at `position`, looping over short writes. */
export async function writeFully(io: LogFs, fd: number, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const n = await io.write(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n} at position ${position + done}`), { code: 'EIO' });
    done += n;
  }
}

/** Read up to `length` bytes at `position` (fewer only at end of file). */
export async function readAt(io: LogFs, fd: number, length: number, position: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = await io.read(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** fsync a directory so a create, rename or unlink in it survives a power cut. */
export async function fsyncDir(io: LogFs, dir: string): Promise<void> {
  const fd = await io.open(dir, 'r');
  try {
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}

/** Replace `path` atomically: write a temporary file, fsync it, rename over, fsync the directory. */
export async function writeFileAtomic(io: LogFs, path: string, data: Uint8Array, dir: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const fd = await io.open(tmp, 'w');
    try {
      await writeFully(io, fd, data, 0);
      await io.fsync(fd);
    } finally {
      await io.close(fd);
    }
    await io.rename(tmp, path);
  } catch (err) {
    await io.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(io, dir);
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
