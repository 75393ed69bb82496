// The examples every `--help` ends with, and the few commands that have no --json (with why). One table
// for the whole tree: commands/cli.test.ts walks the commander tree and fails for a command with no
// entry here, for an example that names a flag its command does not have, and for a command without
// --json that is not in NO_JSON. A new command: add its examples below (and --json, or a reason).
import type { Command } from 'commander';

/** Commands without --json, and why: their stdout is not data a script could want as JSON. */
export const NO_JSON: Record<string, string> = {
  'container open': 'an interactive shell: stdout is the terminal session itself',
  'container run': 'an interactive shell: stdout is the terminal session itself',
  'ssh-proxy': 'stdin/stdout are the SSH byte stream OpenSSH speaks through',
  help: 'prints help text (every command has --help)',
  'cluster prolog': "run by slurmd: its exit status is Slurm's answer, its output goes to slurmd's log",
  'cluster epilog': "run by slurmd: its exit status is Slurm's answer, its output goes to slurmd's log",
  'job slurm-wait': "a Slurm job's batch step: its exit status is the job's, its output the job's file",
};

/** `command path` → example lines: `the command line    # what it does`. */
export const EXAMPLES: Record<string, string[]> = {
  '': [
    'ds01 status                          # is everything up?',
    'container-deploy my-project          # a container with a GPU for ~/workspace/my-project',
    'ds01 help concepts                   # slots, MIG, quotas, holds, idle and the queue explained',
  ],
  status: ['ds01 status', 'ds01 status --json'],
  whoami: ['ds01 whoami', 'ds01 whoami --json'],
  web: [
    'ds01 web                                  # the ssh -L line for your laptop',
    'ds01 web --port 8081 --host gpu1.example.org',
  ],
  events: [
    'ds01 events --since 2h                    # what happened to my containers lately',
    'ds01 events --container my-project -f     # follow one container',
    'ds01 events --kind lifecycle. --json      # automatic stops, as JSON',
  ],
  container: ['container-deploy my-project', 'container-list', 'container-retire my-project'],
  'container list': ['container-list', 'ds01 container ls --json', 'ds01 container list --all   # admins'],
  'container create': [
    'container-create my-project --image ds01-1000/my-project:latest',
    'container-create scratch --framework pytorch --cpu-only',
  ],
  book: [
    'ds01 book --mig 3g.40gb --from "tomorrow 09:00" --for 4h --note "final runs"',
    'ds01 book --gpus 1 --from "fri 14:00" --until "fri 18:00"',
    'ds01 book --slot 0 --from "sat 08:00" --for 6h --maintenance   # admins: all of GPU 0',
  ],
  'book list': ['ds01 book list', "ds01 book list --all        # everyone's calendar", 'ds01 book ls --json'],
  'book cancel': [
    'ds01 book cancel 7',
    'ds01 book cancel 7 --reason "lab maintenance"   # admins: anyone\'s',
  ],
  'container deploy': [
    'container-deploy my-project                  # asks what it needs on a terminal',
    'container-deploy my-project --guided         # explains each choice as it asks',
    'container-deploy my-project --mig 1g.10gb --background',
    'container-deploy my-project --gpus 2 --queue --yes   # wait in the queue if none is free',
    'container-deploy my-project --booking 7 --background   # on your booked slot, in its window',
    'container-deploy my-project --slurm --mig 1g.10gb --time 4h   # a cluster: Slurm picks the node',
  ],
  'container start': ['container-start my-project', 'container-start my-project --json'],
  'container open': ['container-open my-project', 'container-open my-project -- nvidia-smi'],
  'container run': ['container-run my-project', 'container-run my-project -- python train.py'],
  'container stop': ['container-stop my-project', 'container-stop my-project --force'],
  'container pause': ['container-pause my-project       # lunch break: GPU kept, not stopped as idle'],
  'container unpause': ['container-unpause my-project', 'container-unpause my-project --json'],
  'container remove': ['container-remove my-project', 'container-remove my-project --force --yes'],
  'container retire': [
    'container-retire my-project',
    'container-retire my-project --dry-run',
    'container-retire my-project --slurm   # end your Slurm allocation',
  ],
  'container stats': ['container-stats my-project', 'container-stats my-project --watch'],
  'container logs': [
    'container-logs my-project --tail 50',
    'container-logs my-project -f',
    'container-logs my-project --json     # one {"stream","line"} per line',
  ],
  'container why': ['container-why my-project       # why it would be stopped, and when'],
  'container extend': ['container-extend my-project 12h', 'container-extend my-project'],
  limits: ['check-limits', 'ds01 limits alice --json     # admins: any user'],
  config: ['ds01 config check', 'ds01 config explain alice'],
  'config explain': ['ds01 config explain alice', 'ds01 config explain alice --json'],
  'config check': ['ds01 config check', 'ds01 config check /tmp/new-limits.yaml --json'],
  'config reload': ['ds01 config reload', 'ds01 config reload --json'],
  'ssh-proxy': ['ssh -o ProxyCommand="ds01 ssh-proxy my-project" x    # what ssh-config sets up'],
  'ssh-config': [
    'ds01 ssh-config --host gpu-server > ~/.ssh/ds01.conf   # on the laptop: ssh my-project.ds01',
    'ds01 ssh-config my-project --write ~/.ssh/config',
    'ds01 ssh-config --json',
  ],
  jupyter: ['ds01 jupyter my-project', 'ds01 jupyter my-project --port 8890'],
  ports: ['ds01 ports my-project', 'ds01 ports my-project --json'],
  gpu: ['ds01 gpu', 'gpu-avail'],
  'gpu list': ['ds01 gpu list', 'ds01 gpu ls --json'],
  notify: ['ds01 notify show', 'ds01 notify set --email ada@example.org'],
  'notify show': ['ds01 notify show', 'ds01 notify show --json'],
  'notify set': [
    'ds01 notify set --email ada@example.org --on queue.served,job.finished',
    'ds01 notify set --on default              # back to what the admins chose',
    'ds01 notify set --email default --on none # no e-mail at all',
  ],
  'notify test': [
    'ds01 notify test                  # a test e-mail to yourself',
    'ds01 notify test --channel ops   # admins',
  ],
  'gpu avail': [
    'gpu-avail',
    'gpu-avail --json',
    'gpu-avail --at "tomorrow 09:00"   # booked and bookable then',
  ],
  'gpu drain': ['ds01 gpu drain 0 --reason "fan noise, being checked"'],
  'gpu undrain': ['ds01 gpu undrain 0 --reason "fan replaced"'],
  'gpu release': ['ds01 gpu release 0:1 --reason "held for 3 days unused"'],
  'gpu refresh': ['ds01 gpu refresh', 'ds01 gpu refresh --json'],
  'gpu test': ['ds01 gpu test 1.2', 'ds01 gpu test 3 --image pytorch --timeout 60 --json'],
  queue: ['gpu-queue', 'ds01 queue leave 12'],
  'queue list': ['gpu-queue', 'ds01 queue list --json'],
  'queue leave': ['ds01 queue leave 12'],
  'queue remove': ['ds01 queue remove 12 --reason "duplicate request"   # admins'],
  job: ['ds01 job submit --project thesis -- python train.py', 'ds01 job list'],
  'job submit': [
    'ds01 job submit --project thesis -- python train.py --epochs 10',
    'ds01 job submit --mig 1g.10gb --time 2h -- python eval.py',
    'ds01 job submit --after 41 --json -- python report.py',
  ],
  'job list': ['ds01 job list', 'ds01 job list --all --json'],
  'job show': ['ds01 job show 42'],
  'job slurm-wait': ['ds01 job slurm-wait --grace 60 "$SLURM_JOB_ID"   # in the batch script ds01 writes'],
  cluster: ['ds01 cluster render-slurm --out /tmp/slurm', 'ds01 cluster check'],
  'cluster probe': ['ds01 cluster probe > gpu-node-1.json     # on each node'],
  'cluster render-slurm': [
    'ds01 cluster render-slurm --probe n1.json --probe n2.json --cluster lab',
    'ds01 cluster render-slurm --out /etc/slurm/ds01 --json',
  ],
  'cluster check': ['ds01 cluster check', 'ds01 cluster check --json'],
  'cluster prolog': ['ds01 cluster prolog    # the Prolog= script on a node runs this as root'],
  'cluster epilog': ['ds01 cluster epilog    # the Epilog= script on a node runs this as root'],
  'job cancel': ['ds01 job cancel 42'],
  'job wait': ['ds01 job wait 42 && echo done'],
  'job logs': [
    'ds01 job logs 42',
    'ds01 job logs 42 -f',
    'ds01 job logs 42 --json',
    'ds01 job logs 42 --admin',
  ],
  notices: ['ds01 notices', 'ds01 notices --all --json'],
  admin: ['ds01 admin users', 'ds01 admin containers', 'ds01 admin sweep --dry-run'],
  'admin sweep': ['ds01 admin sweep --dry-run', 'ds01 admin sweep --all --json'],
  'admin containers': ['ds01 admin containers', 'ds01 admin containers --json'],
  'admin stop': ['ds01 admin stop train._.1001 --reason "blocking the maintenance window"'],
  'admin retire': ['ds01 admin retire train._.1001 --reason "left running for a month"'],
  'admin release': ['ds01 admin release 0:1 --reason "held for 3 days unused"'],
  'admin drain': ['ds01 admin drain 1 --reason "Xid errors, RMA pending"'],
  'admin undrain': ['ds01 admin undrain 1 --reason "replaced"'],
  'admin mig': [
    'ds01 admin mig plan',
    'ds01 admin mig apply --gpu 0 --drain-deadline 2h',
    'ds01 admin mig status',
  ],
  'admin mig plan': [
    'ds01 admin mig plan            # now vs gpu_allocation.layout, per GPU',
    'ds01 admin mig plan --json',
  ],
  'admin mig apply': [
    'ds01 admin mig apply --gpu 0 --drain-deadline 2h   # holders get 2 hours',
    'ds01 admin mig apply --at 2026-12-01T02:00Z --yes   # every GPU the plan changes',
    'ds01 admin mig apply --gpu 1 --drain-deadline 0    # idle GPU, or stop holders now',
  ],
  'admin mig status': ['ds01 admin mig status', 'ds01 admin mig status --json   # with every step'],
  'admin mig cancel': ['ds01 admin mig cancel --gpu 0   # undrain it with the layout it has now'],
  'admin policy': ['ds01 admin policy check', 'ds01 admin policy reload'],
  'admin policy check': ['ds01 admin policy check', 'ds01 admin policy check new.yaml --json'],
  'admin policy reload': ['ds01 admin policy reload', 'ds01 admin policy reload --json'],
  'admin events': ['ds01 admin events --user alice --since 7d', 'ds01 admin events --kind gpu. -f'],
  'admin report': [
    'ds01 admin report --month 2026-10',
    'ds01 admin report --month 2026-10 --csv > october.csv',
    'ds01 admin report --month 2026-10 --json',
  ],
  'admin users': [
    'ds01 admin users',
    'ds01 admin users --inactive 90d     # nobody heard of for 90 days, biggest workspace first',
    'ds01 admin users --inactive 180d --json',
  ],
  'admin doctor': ['ds01 admin doctor', 'ds01 admin doctor --json'],
  dashboard: ['ds01-dashboard', 'ds01 dashboard --watch', 'ds01 dashboard --json'],
  usage: [
    'ds01 usage                       # your last 30 days',
    'ds01 usage --from 7d --by group  # admins: per policy group',
    'ds01 usage --jobs --csv > jobs.csv',
  ],
  doctor: ['ds01 doctor', 'ds01 doctor --json'],
  quota: [
    'ds01 quota                 # your workspace and images against your quotas',
    'ds01 quota --refresh       # measure again now, after deleting files',
    'ds01 quota --all           # admins: every user',
    'ds01 quota --user alice --json',
  ],
  image: ['image-create my-project', 'image-list', 'image-update my-project --add einops'],
  'image create': [
    'image-create my-project                          # asks step by step',
    'image-create my-project --guided                 # explains each step',
    'image-create my-project --base pytorch --pip "einops timm" --yes',
    'image-create my-project --dry-run                # just print the Dockerfile',
  ],
  'image list': ['image-list', 'image-list --bases', 'image-list --json'],
  'image update': [
    'image-update my-project --add einops',
    'image-update my-project --add-system ffmpeg --yes',
    'image-update my-project --rebuild --no-cache',
  ],
  'image delete': ['image-delete my-project', 'image-delete my-project:old --force'],
  project: ['project-init thesis', 'project-launch thesis'],
  'project launch': [
    'project-launch thesis                  # build the image if needed, then start or deploy',
    'project-launch thesis --mig 1g.10gb --open',
    'project-launch thesis --rebuild --background --json',
  ],
  'project init': [
    'project-init thesis',
    'project-init thesis --type nlp --yes',
    'project-init thesis --no-build --json',
  ],
  user: ['user-setup'],
  'user setup': ['user-setup', 'user-setup --quick --project thesis --yes'],
  help: ['ds01 help concepts', 'ds01 help container'],
};

/** Append each command's examples to its --help. */
export function addExamples(root: Command): void {
  const walk = (c: Command, path: string[]) => {
    const lines = EXAMPLES[path.join(' ')];
    if (lines?.length) c.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
    for (const sub of c.commands) walk(sub, [...path, sub.name()]);
  };
  walk(root, []);
}
