// Where a user's workspace is: `<home>/workspace/<project>`, for reports and events. The daemon never hands
// this path to Docker: containers bind the root-only path the workspace binder mounts the checked directory
// on (workspace-binder.ts, workspace/bind-helper.ts), so the user cannot swap what gets mounted.
import { join } from 'node:path';

/** Where the workspace is (for reports), without touching the file system. */
export function workspacePath(home: string, project: string): string {
  return join(home, 'workspace', project);
}
