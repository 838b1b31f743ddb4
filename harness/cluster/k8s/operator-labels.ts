// The labels the vitess-operator (planetscale/vitess-operator) puts on the pods it manages:
// the harness's own pods carry them too, so one discovery finds either.
import type { TabletPlan } from '../topology';
import type { Component } from '../vitess-cluster';

export const OPERATOR_LABEL = {
  component: 'planetscale.com/component',
  cell: 'planetscale.com/cell',
  keyspace: 'planetscale.com/keyspace',
  shard: 'planetscale.com/shard',
  tabletType: 'planetscale.com/tablet-type',
  tabletUid: 'planetscale.com/tablet-uid',
} as const;

const COMPONENT_NAMES: Record<Component, string> = { etcd: 'etcd', vtctld: 'vtctld', vtgate: 'vtgate', vtorc: 'vtorc', tablet: 'vttablet' };

/** A shard as a label value: key ranges open at an end ("-80", "80-") get an x there, as the operator writes them. */
export function shardLabel(shard: string): string {
  return shard.replace(/^-/, 'x-').replace(/-$/, '-x');
}

/** The shard a label value names: the inverse of shardLabel. */
export function shardFromLabel(label: string): string {
  return label.replace(/^x-/, '-').replace(/-x$/, '-');
}

export function operatorLabels(cell: string, component: Component, tablet?: TabletPlan): Record<string, string> {
  const labels: Record<string, string> = { [OPERATOR_LABEL.component]: COMPONENT_NAMES[component] };
  if (component !== 'etcd') labels[OPERATOR_LABEL.cell] = cell;
  if (tablet) {
    labels[OPERATOR_LABEL.keyspace] = tablet.keyspace;
    labels[OPERATOR_LABEL.shard] = shardLabel(tablet.shard);
    labels[OPERATOR_LABEL.tabletType] = 'replica';
    labels[OPERATOR_LABEL.tabletUid] = String(tablet.uid);
  }
  return labels;
}
