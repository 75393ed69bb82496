// The one I/O step of the policy module: read the file, then hand the text to the pure parser. A file that
// cannot be read is reported as a diagnostic like any other, so `ds01 config check` prints it the same way.

import { readFile } from 'node:fs/promises';
import { type ParseOptions, parsePolicy } from './load.js';
import type { ParseResult } from './types.js';

export async function loadPolicyFile(path: string, options: ParseOptions = {}): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'the policy file does not exist' : `cannot read the policy file (${code ?? err})`;
    return {
      ok: false,
      errors: [
        {
          severity: 'error',
          file: path,
          line: 1,
          column: 1,
          path: '',
          message,
          hint: 'check --policy / DS01_POLICY',
        },
      ],
      warnings: [],
    };
  }
  return parsePolicy(text, path, options);
}
