/**
 * Password hashing with scrypt. The stored hash carries its cost parameters
 * (`scrypt:<N>:<r>:<p>:<base64 key>`) so that the cost can be raised later without breaking
 * existing users, and tests can use a cheap cost.
 *
 * @packageDocumentation
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { fail } from '../errors.js';

/** The default scrypt cost N (Node's default; about 50 ms per hash on a small machine). */
export const DEFAULT_SCRYPT_COST = 16384;

const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, cost: number, blockSize: number, parallelism: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/** Checks that `cost` is a power of two from 2 to 2^20. */
export function validateScryptCost(cost: unknown): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 2 || cost > 2 ** 20 || (cost & (cost - 1)) !== 0) {
    throw fail('ERR_INVALID_ARGUMENT', `scryptCost must be a power of two from 2 to 1048576, got ${String(cost)}`);
  }
  return cost;
}

/** Hashes a password with a new random 16-byte salt. */
export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<{ salt: string; hash: string }> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, BLOCK_SIZE, PARALLELISM);
  return { salt: salt.toString('base64'), hash: `scrypt:${cost}:${BLOCK_SIZE}:${PARALLELISM}:${key.toString('base64')}` };
}

/** True when `password` matches the stored salt and hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: { salt: string; hash: string }): Promise<boolean> {
  const match = /^scrypt:(\d+):(\d+):(\d+):([A-Za-z0-9+/=]+)$/.exec(stored.hash);
  if (match === null) return false;
  const [cost, blockSize, parallelism] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Bounds keep a hostile metadata file from asking for gigabytes of memory.
  if (cost < 2 || blockSize < 1 || parallelism < 1 || parallelism > 16 || 128 * cost * blockSize > 2 ** 28) return false;
  const expected = Buffer.from(match[4]!, 'base64');
  let actual: Buffer;
  try {
    actual = await derive(password, Buffer.from(stored.salt, 'base64'), cost, blockSize, parallelism);
  } catch {
    return false;
  }
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Spends the time of one verification without a stored hash, so that a login with an unknown
 * user name takes as long as one with a wrong password.
 */
export async function spendVerificationTime(password: string, cost = DEFAULT_SCRYPT_COST): Promise<void> {
  await derive(password, randomBytes(16), cost, BLOCK_SIZE, PARALLELISM);
}
