/**
 * The watched sites' items as the state table keeps them, behind the SiteStore port: one item a
 * site, written only when its version is the one read. Stored as JSON copies, like the state table.
 */
import type { SiteRecord } from '../../../src/core/site-health';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class SimSiteTable {
  private readonly records = new Map<string, SiteRecord>();

  load(site: string): SiteRecord | undefined {
    const record = this.records.get(site);
    return record ? copy(record) : undefined;
  }

  save(next: SiteRecord, expectedVersion: number): boolean {
    if ((this.records.get(next.site)?.version ?? 0) !== expectedVersion) return false;
    this.records.set(next.site, copy({ ...next, version: expectedVersion + 1 }));
    return true;
  }

  /** The record as stored, for assertions. */
  peek(site: string): SiteRecord | undefined {
    return this.load(site);
  }
}
