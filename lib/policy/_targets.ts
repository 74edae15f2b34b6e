/** Paths that matter when something writes to them: block devices, /etc and other system trees. */
import { Tier } from "./tier.ts";
import { normalisePath } from "../util/paths.ts";

export { normalisePath };

/** A finding: a tier and a short human reason. */
export type Hit = readonly [tier: Tier, reason: string];

const BLOCK_DEVICE =
  /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|dm-|mapper\/|md\d|disk\/|loop\d|mtdblock|bcache|zd\d|rbd\d|nbd\d)/;
const RAW_MEMORY = /^\/dev\/(mem|kmem|port)$/;
const HARMLESS_DEV =
  /^\/dev\/(null|zero|full|random|urandom|tty\d*|stdout|stderr|stdin|fd\/|pts\/|shm\/|console|ptmx)/;
const SYSTEM_TREES = [
  "/etc",
  "/boot",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/sys",
  "/proc/sys",
  "/root/.ssh",
];

/** True for `/` itself or a path inside a system tree (/etc, /usr, /boot, /bin, /lib, /sys …). */
export function isSystemPath(path: string): boolean {
  const p = normalisePath(path);
  if (p === "/") return true;
  if (p.endsWith("/authorized_keys") || p.endsWith("/authorized_keys2")) return true;
  return SYSTEM_TREES.some((t) => p === t || p.startsWith(t + "/"));
}

/** What writing to `path` means: a block device is Tier 3, /etc and system trees Tier 2. */
export function writeTargetHit(path: string): Hit | undefined {
  const p = normalisePath(path);
  if (p.startsWith("/dev/")) {
    if (BLOCK_DEVICE.test(p) || RAW_MEMORY.test(p)) {
      return [Tier.IRREVERSIBLE, `write to device ${clip(p)}`];
    }
    return undefined;
  }
  if (p === "/proc/sysrq-trigger") return [Tier.IRREVERSIBLE, "write to /proc/sysrq-trigger"];
  if (p === "/etc" || p.startsWith("/etc/")) return [Tier.STATEFUL, `write into /etc (${clip(p)})`];
  if (p !== "/" && isSystemPath(p)) return [Tier.STATEFUL, `write into system path ${clip(p)}`];
  if (/(^|\/)\.ssh\/authorized_keys2?$/.test(p)) return [Tier.STATEFUL, "write to authorized_keys"];
  return undefined;
}

/** Like {@link writeTargetHit}, but any /dev path other than null, tty and the like is Tier 3 (dd). */
export function deviceWriteHit(path: string, tool: string): Hit | undefined {
  const p = normalisePath(path);
  if (p.startsWith("/dev/") && !HARMLESS_DEV.test(p)) {
    return [Tier.IRREVERSIBLE, `${tool} to device ${clip(p)}`];
  }
  return writeTargetHit(p);
}

/** Shortens text for a reason string. */
export function clip(text: string, max = 40): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > max ? oneLine.slice(0, max - 1) + "…" : oneLine;
}
