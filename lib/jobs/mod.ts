/**
 * @module
 * Background jobs: a process that outlives its call's inline window (or was started in the
 * background) becomes a `job-…` session in the shared registry. Its output goes to the session's
 * ring buffer and to a spool file at the same absolute offsets (bounded per job and in total,
 * kept for a retention after the job ends), so `session_recv` can follow it live and page any
 * part of it afterwards. One `job_end` audit record carries the exit, the byte count and the
 * SHA-256 of all output. Transport-neutral: anything implementing {@linkcode JobSource} (a local
 * process group now, an SSH channel later) can be adopted.
 */
export { OutputCapture } from "./capture.ts";
export { Job, type JobEnd, JobInputError, type JobOptions } from "./job.ts";
export {
  type JobAuditSink,
  type JobInfo,
  JobManager,
  type JobManagerOptions,
  type JobRecord,
} from "./job_manager.ts";
export type { JobPrelude, JobSource, JobSourceExit } from "./job_source.ts";
export {
  type InlineOptions,
  type InlineProgress,
  type InlineResult,
  type InlineRun,
  type InlineStart,
  runInline,
  type RunInlineOptions,
  runInlineWith,
} from "./run_inline.ts";
export { Spool, type SpoolOptions, type SpoolRead, type SpoolReadOptions } from "./spool.ts";
export { SpoolStore, type SpoolStoreOptions } from "./spool_store.ts";
