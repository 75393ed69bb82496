import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize, UnitError } from './units.js';

const H = 3_600_000;
const M = 60_000;

describe('parseDuration', () => {
  it.each([
    ['48h', 48 * H],
    ['30m', 30 * M],
    ['2h30m', 2.5 * H],
    ['1.5d', 36 * H],
    ['0.25h', 15 * M],
    ['90s', 90_000],
    ['1d12h', 36 * H],
    [' 5m ', 5 * M],
    ['0', 0],
    ['0s', 0],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads plain numbers in the unit the key documents', () => {
    expect(parseDuration(2)).toBe(2 * H);
    expect(parseDuration(0.5, 'h')).toBe(30 * M);
    expect(parseDuration(30, 'm')).toBe(30 * M);
    expect(parseDuration(60, 's')).toBe(60_000);
    expect(parseDuration('15', 'm')).toBe(15 * M);
  });

  it('keeps null (never) and 0 (immediately) apart', () => {
    expect(parseDuration(null)).toBeNull();
    expect(parseDuration(0)).toBe(0);
  });

  it.each([
    ['2x', 'unknown duration unit "x"'],
    ['forever', 'is not a duration'],
    ['-5m', 'negative'],
    ['1h1h', 'appears twice'],
    ['h', 'is not a duration'],
    ['', 'empty duration'],
    ['30M', 'unknown duration unit "M"'],
  ])('refuses %j', (text, fragment) => {
    expect(() => parseDuration(text)).toThrow(UnitError);
    expect(() => parseDuration(text)).toThrow(fragment);
  });

  it('refuses negative and non-finite numbers', () => {
    expect(() => parseDuration(-1)).toThrow('negative');
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow('finite');
  });

  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 24 * 3600 }), (seconds) => {
        const ms = seconds * 1000;
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe('parseSize', () => {
  it.each([
    ['32g', 32 * 1024 ** 3],
    ['512m', 512 * 1024 ** 2],
    ['1.5g', 1.5 * 1024 ** 3],
    ['64k', 64 * 1024],
    ['96G', 96 * 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['2GB', 2 * 1024 ** 3],
    ['1t', 1024 ** 4],
    ['100', 100],
    ['100b', 100],
  ])('%s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('takes plain numbers as bytes and null as unlimited', () => {
    expect(parseSize(1048576)).toBe(1048576);
    expect(parseSize(0)).toBe(0);
    expect(parseSize(null)).toBeNull();
  });

  it.each([
    ['32 gigs', 'is not a size'],
    ['-1g', 'negative'],
    ['g', 'is not a size'],
    ['1x', 'is not a size'],
  ])('refuses %j', (text, fragment) => {
    expect(() => parseSize(text)).toThrow(fragment);
  });

  it('refuses fractional and negative byte counts', () => {
    expect(() => parseSize(1.5)).toThrow('whole number');
    expect(() => parseSize(-5)).toThrow('negative');
  });

  it('formats in the largest exact unit', () => {
    expect(formatSize(32 * 1024 ** 3)).toBe('32g');
    expect(formatSize(1.5 * 1024 ** 3)).toBe('1536m');
    expect(formatSize(100)).toBe('100');
    expect(formatSize(null)).toBe('unlimited');
  });
});
