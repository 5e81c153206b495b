/**
 * A LogFs over the real file system whose writes and fsyncs can be made to
 * fail on demand (ENOSPC by default), after writing part of the buffer, the
 * way a filling disk does. Counts fsyncs so tests can see group commit.
 */
import { nodeLogFs, type LogFs } from '../log-fs';

export interface FaultyFs extends LogFs {
  /** When set, writes to paths matching `failPath` fail with this errno code. */
  failWrites: string | undefined;
  /** When set, fsyncs fail with this errno code. */
  failFsyncs: string | undefined;
  /** Bytes a failing write still writes before failing (a partial write). */
  partialBytes: number;
  /** Only fds opened on paths containing this substring fail (default: all). */
  failPath: string;
  fsyncCount: number;
  writeCount: number;
  /** When set, each fsync waits for this promise (lets a test pile up appends). */
  fsyncGate: Promise<void> | undefined;
}

export function faultyFs(base: LogFs = nodeLogFs): FaultyFs {
  const paths = new Map<number, string>();
  const errno = (code: string, call: string) =>
    Object.assign(new Error(`${code}: injected failure, ${call}`), { code, errno: -28, syscall: call });
  const io: FaultyFs = {
    ...base,
    failWrites: undefined,
    failFsyncs: undefined,
    partialBytes: 0,
    failPath: '',
    fsyncCount: 0,
    writeCount: 0,
    fsyncGate: undefined,
    async open(path, flags) {
      const fd = await base.open(path, flags);
      paths.set(fd, path);
      return fd;
    },
    async close(fd) {
      paths.delete(fd);
      return base.close(fd);
    },
    async write(fd, buf, offset, length, position) {
      io.writeCount++;
      if (io.failWrites && (paths.get(fd) ?? '').includes(io.failPath)) {
        const n = Math.min(io.partialBytes, length);
        if (n > 0) await base.write(fd, buf, offset, n, position);
        throw errno(io.failWrites, 'write');
      }
      return base.write(fd, buf, offset, length, position);
    },
    async fsync(fd) {
      if (io.fsyncGate) await io.fsyncGate;
      if (io.failFsyncs && (paths.get(fd) ?? '').includes(io.failPath)) throw errno(io.failFsyncs, 'fsync');
      io.fsyncCount++;
      return base.fsync(fd);
    },
  };
  return io;
}
