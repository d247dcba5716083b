/**
 * Duplicate detection by normalised email (SPEC §2 prospecting). Redis hash
 * `<prefix>lead-by-email`: normalised email → the id of the first lead that claimed it.
 * Claims are atomic (HSETNX semantics in one script), so two leads racing for the same address
 * agree on which came first, and a retried claim by the same lead is not a duplicate.
 */
import type Redis from 'ioredis';
import { normaliseEmail } from './normalise';

/** KEYS: hash; ARGV: email, leadId → false when claimed now (or already ours), else the holder's id. */
const CLAIM = `
if ARGV[1] == '' or ARGV[2] == '' then return redis.error_reply('INVALID claim: an address and a lead id are required') end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then return false end
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder == ARGV[2] then return false end
return holder
`;

/** KEYS: hash; ARGV: email, leadId → 1 when the lead's claim was removed. */
const RELEASE = `
if ARGV[1] == '' or ARGV[2] == '' then return redis.error_reply('INVALID release: an address and a lead id are required') end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

export function createDuplicateRegistry(redis: Redis, prefix: string) {
  const key = `${prefix}lead-by-email`;
  return {
    key,
    /** Claims `email` for `leadId`; returns the other lead's id when one already holds it, else null. */
    async claimEmail(email: string, leadId: string): Promise<string | null> {
      const holder = (await redis.eval(CLAIM, 1, key, normaliseEmail(email), leadId)) as string | null;
      return holder ?? null;
    },
    /** The lead holding `email`, if any. */
    async leadForEmail(email: string): Promise<string | null> {
      return redis.hget(key, normaliseEmail(email));
    },
    /** Gives the address up (a lead deleted or merged); only its holder can. */
    async releaseEmail(email: string, leadId: string): Promise<boolean> {
      return (await redis.eval(RELEASE, 1, key, normaliseEmail(email), leadId)) === 1;
    },
  };
}

export type DuplicateRegistry = ReturnType<typeof createDuplicateRegistry>;
