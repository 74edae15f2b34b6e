/**
 * @module
 * File operations on this machine or on a host over SFTP, written once over a small backend
 * interface: paged reads by byte offset (UTF-8 safe at the page edge, binary detected, base64 on
 * request), atomic whole-file writes (temp file, fsync, rename) and appends, mkdir -p, moves,
 * deletes (recursive only when asked, never following symlinks, refusing `/` and the home
 * directory), chmod and bounded listings with depth and glob.
 */
export {
  absolutePath,
  baseName,
  type DirEntry,
  type FileBackend,
  FileError,
  type FileErrorKind,
  type FileStat,
  type FileType,
  type FileWriter,
  joinPath,
  normalizePath,
  type OpenWriteOptions,
  parentOf,
} from "./backend.ts";
export { compileGlob, type GlobMatcher } from "./glob.ts";
export { localError, LocalFileBackend } from "./local_backend.ts";
export {
  formatMode,
  isoSeconds,
  type ListEntry,
  type ListOptions,
  listPath,
  type ListResult,
} from "./list_path.ts";
export {
  type DeleteOptions,
  deletePath,
  makeDirs,
  movePath,
  parseMode,
  writeFile,
  type WriteFileOptions,
  type WriteFileResult,
} from "./operations.ts";
export { fromBase64, readPage, type ReadPageOptions, type ReadPageResult } from "./read_page.ts";
export { SftpFileBackend } from "./sftp_backend.ts";
