import type { KeyFilterRule } from '../state/schema.js';

/**
 * Whether a key passes a notification's key filters, the way RGW decides it (rgw_pubsub.cc
 * rgw_s3_key_filter::has_content/match): every rule present must hold; prefix and suffix compare bytes,
 * regex must match the whole key.
 */
export function keyFilter(rules: readonly KeyFilterRule[] = []): (key: string) => boolean {
  const prefix = rules.find((r) => r.name === 'prefix')?.value;
  const suffix = rules.find((r) => r.name === 'suffix')?.value;
  const regexText = rules.find((r) => r.name === 'regex')?.value;
  const regex = regexText === undefined ? undefined : new RegExp(`^(?:${regexText})$`, 'u');
  return (key) => (!prefix || key.startsWith(prefix)) && (!suffix || key.endsWith(suffix)) && (!regex || regex.test(key));
}

/** The listing prefix that lets RGW skip what the filters exclude anyway. */
export function listingPrefix(rules: readonly KeyFilterRule[] = []): string | undefined {
  return rules.find((r) => r.name === 'prefix')?.value || undefined;
}
