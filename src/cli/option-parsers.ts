/** Commander option parsers; a bad value is a usage error (exit 2). */
import { usageError } from './errors.js';

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`expected a positive whole number, got '${v}'`);
  return n;
}

export function numberIn(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw usageError(`expected a number from ${min} to ${max}, got '${v}'`);
    return n;
  };
}
