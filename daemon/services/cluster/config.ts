// `ds01 cluster probe | render-slurm | check` (admin): this node's slots as Slurm GRES, the Slurm
// configuration the policy renders to (daemon/cluster/render.ts), and a running Slurm compared with it.
import type {
  ClusterCheckResult,
  NodeProbeView,
  RenderSlurmRequest,
  RenderSlurmResult,
} from '../../api/types/cluster.js';
import {
  ASSOC_FORMAT,
  compareAssociations,
  compareCluster,
  parseAssocRows,
  parseNodeGres,
  parseQosRows,
  QOS_FORMAT,
} from '../../cluster/check.js';
import { gresDevices, nodeGres } from '../../cluster/gres.js';
import { policyGroups, renderSlurm } from '../../cluster/render.js';
import { Ds01Error } from '../../errors.js';
import type { AccountLookup } from '../../identity/nss.js';
import type { Policy } from '../../policy/types.js';
import type { SlurmPrograms } from '../../slurm/programs.js';
import type { Store } from '../../store/index.js';

export interface ClusterConfigDeps {
  store: Pick<Store, 'slots'>;
  policy: { current(): Policy };
  accounts: Pick<AccountLookup, 'groupMembers'>;
  slurm: SlurmPrograms;
  nodeName: string;
}

export const DEFAULTS = {
  cluster: 'ds01',
  deviceDir: '/dev/ds01-gres',
  prolog: '/usr/lib/ds01/slurm-prolog',
  epilog: '/usr/lib/ds01/slurm-epilog',
};

export class ClusterConfig {
  constructor(private readonly d: ClusterConfigDeps) {}

  /** This node's present slots (missing ones are not devices Slurm may assign). */
  probe(): NodeProbeView {
    return {
      name: this.d.nodeName,
      slots: this.d.store.slots
        .all()
        .filter((s) => s.state !== 'missing')
        .map((s) => ({
          uuid: s.uuid,
          gpuIndex: s.gpu_index,
          kind: s.kind,
          profile: s.profile,
          migDeviceIndex: s.mig_device_index,
        })),
    };
  }

  /** Each group's users: its `members` list and the Linux group of the same name (as NSS says now). */
  private async members(policy: Policy): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const g of policyGroups(policy)) {
      const linux = (await this.d.accounts.groupMembers(g).catch(() => null)) ?? [];
      out[g] = [...new Set([...(policy.groups[g]?.members ?? []), ...linux])];
    }
    return out;
  }

  async render(req: RenderSlurmRequest): Promise<RenderSlurmResult> {
    const policy = this.d.policy.current();
    return renderSlurm({
      policy,
      cluster: req.cluster ?? DEFAULTS.cluster,
      nodes: req.nodes ?? [this.probe()],
      members: await this.members(policy),
      deviceDir: req.deviceDir ?? DEFAULTS.deviceDir,
      prolog: req.prolog ?? DEFAULTS.prolog,
      epilog: req.epilog ?? DEFAULTS.epilog,
    });
  }

  async check(): Promise<ClusterCheckResult> {
    const rendered = await this.render({});
    const qos = await this.d.slurm.run('sacctmgr', ['-nP', 'show', 'qos', `format=${QOS_FORMAT}`]);
    if (qos.code !== 0)
      throw new Ds01Error(
        'UNAVAILABLE',
        `sacctmgr could not list the QOS: ${qos.stderr.trim() || `exit ${qos.code}`}`,
        'is slurmdbd running, and SLURM_CONF set for ds01d? (`sacctmgr show qos` as root)',
      );
    const assoc = await this.d.slurm.run('sacctmgr', ['-nP', 'show', 'assoc', `format=${ASSOC_FORMAT}`]);
    if (assoc.code !== 0)
      throw new Ds01Error(
        'UNAVAILABLE',
        `sacctmgr could not list the associations: ${assoc.stderr.trim() || `exit ${assoc.code}`}`,
      );
    const node = await this.d.slurm.run('scontrol', ['-o', 'show', 'node', this.d.nodeName]);
    const devices = gresDevices(this.probe().slots);
    const items = [
      ...compareCluster(
        { qos: rendered.qos, node: { name: this.d.nodeName, gres: nodeGres(devices) } },
        { qos: parseQosRows(qos.stdout), nodeGres: node.code === 0 ? parseNodeGres(node.stdout) : null },
      ),
      ...compareAssociations(rendered, parseAssocRows(assoc.stdout)),
    ];
    return { ok: items.every((i) => i.ok), items };
  }
}
