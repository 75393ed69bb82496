import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFlags } from './sftp.js';

const READ = 1;
const WRITE = 2;
const APPEND = 4;
const CREAT = 8;
const TRUNC = 16;
const EXCL = 32;

describe('SFTP open flags', () => {
  it('maps the combinations clients send', () => {
    expect(openFlags(READ)).toBe(constants.O_RDONLY);
    expect(openFlags(WRITE | CREAT | TRUNC)).toBe(constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    expect(openFlags(WRITE | CREAT)).toBe(constants.O_WRONLY | constants.O_CREAT);
    expect(openFlags(READ | WRITE)).toBe(constants.O_RDWR);
    expect(openFlags(APPEND | CREAT)).toBe(constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    expect(openFlags(WRITE | CREAT | EXCL)).toBe(constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  });
  it('refuses a request that neither reads nor writes', () => {
    expect(openFlags(0)).toBeNull();
    expect(openFlags(CREAT | TRUNC)).toBeNull();
  });
});
