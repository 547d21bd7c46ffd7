// Semantic checks over each rendered overlay, each shown to fail on a mutated render.
import { describe, expect, it } from 'vitest';
import {
  checkConfigKeys,
  checkDelivery,
  checkDestinations,
  checkPushEndpoints,
  checkRookNotifications,
  checkScaleToZero,
  checkTriggerBrokers,
  Graph,
} from './support/graph.ts';
import { checkCephSourceServices } from './support/cephsource-adapter.ts';
import { clone, type K8sObject } from './support/objects.ts';
import { OVERLAYS, overlayDir } from './support/paths.ts';
import { render } from './support/render.ts';

const CHECKS = {
  'every Trigger has its Broker': checkTriggerBrokers,
  'every subscriber, sink and dead-letter sink resolves': checkDestinations,
  'every Trigger retries with exponential backoff, a timeout and a dead-letter sink': checkDelivery,
  'every RGW push endpoint reaches the render (Broker ingress as CloudEvents, or a Service port)': checkPushEndpoints,
  'every Secret/ConfigMap key a workload reads is declared': checkConfigKeys,
  'every Knative Service can scale to zero': checkScaleToZero,
  'every CephSource has a Service in front of its receive adapter': checkCephSourceServices,
  'every Rook notification has its topic and its bucket': checkRookNotifications,
};

describe('semantic checks over every overlay', () => {
  for (const o of OVERLAYS) {
    for (const [name, check] of Object.entries(CHECKS)) {
      it(`${o}: ${name}`, async () => {
        expect(check(new Graph(await render(overlayDir(o))))).toEqual([]);
      });
    }
  }
});

/** A copy of an overlay's render, changed by `mutate`. */
async function mutated(overlay: string, mutate: (objs: K8sObject[]) => void): Promise<Graph> {
  const objs = clone(await render(overlayDir(overlay)));
  mutate(objs);
  return new Graph(objs);
}
const the = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} not rendered`);
  return o;
};
/* eslint-disable @typescript-eslint/no-explicit-any -- mutations reach into untyped specs */
const spec = (o: K8sObject): any => o.spec;

describe('each semantic check rejects a broken render', () => {
  it('a Trigger naming a Broker that does not exist', async () => {
    const g = await mutated('rook', (objs) => void (spec(the(objs, 'Trigger', 'classify-put')).broker = 'default'));
    expect(checkTriggerBrokers(g)).toEqual([expect.stringMatching(/classify-put: Broker bucket-ml\/default is not in the render/)]);
  });

  it('a subscriber, a dead-letter sink and a CephSource sink that resolve to nothing', async () => {
    const g = await mutated('cephsource', (objs) => {
      spec(the(objs, 'Trigger', 'classify-post')).subscriber.ref.name = 'clasify';
      spec(the(objs, 'Broker', 'bucket-ml')).delivery.deadLetterSink.ref.name = 'dead-letter';
      spec(the(objs, 'CephSource', 'ceph-notifications')).sink.ref.kind = 'Deployment';
    });
    const problems = checkDestinations(g).join('\n');
    expect(problems).toMatch(/classify-post spec.subscriber: Service bucket-ml\/clasify/);
    expect(problems).toMatch(/Broker bucket-ml\/bucket-ml spec.delivery.deadLetterSink: Service bucket-ml\/dead-letter/);
    expect(problems).toMatch(/CephSource .* not an addressable kind/);
  });

  it('a Trigger whose delivery neither backs off exponentially nor parks failures', async () => {
    const g = await mutated('rook', (objs) => {
      const t = spec(the(objs, 'Trigger', 'review-low-confidence'));
      t.delivery = { retry: 0 };
      delete spec(the(objs, 'Broker', 'bucket-ml')).delivery;
    });
    expect(checkDelivery(g)).toEqual([expect.stringMatching(/review-low-confidence: effective delivery lacks retry >= 1, backoffPolicy: exponential, backoffDelay, timeout, deadLetterSink/)]);
  });

  it('push endpoints: a Broker ingress without CloudEvents, a wrong Broker, a Service without the port', async () => {
    const rook = await mutated('rook', (objs) => void (spec(the(objs, 'CephBucketTopic', 'bucket-ml-broker')).endpoint.http.sendCloudEvents = false));
    expect(checkPushEndpoints(rook).join('\n')).toMatch(/accepts only CloudEvents/);
    const rgw = await mutated('rgw-cloudevents', (objs) => {
      const cm = the(objs, 'ConfigMap', 'configure-notify-state') as any;
      cm.data['state.yaml'] = cm.data['state.yaml'].replace('/bucket-ml/bucket-ml', '/bucket-ml/default');
    });
    expect(checkPushEndpoints(rgw).join('\n')).toMatch(/names Broker bucket-ml\/default, not in the render/);
    const ceph = await mutated('cephsource', (objs) => void (spec(the(objs, 'Service', 'ceph-notifications')).ports[0].port = 8080));
    expect(checkPushEndpoints(ceph).join('\n')).toMatch(/has no port 80/);
  });

  it('a ConfigMap key, a Secret and a volume item that are not declared', async () => {
    const g = await mutated('rgw-cloudevents', (objs) => {
      delete (the(objs, 'ConfigMap', 'classify-config') as any).data.MODEL_URL;
      objs.splice(objs.indexOf(the(objs, 'Secret', 'configure-notify-token')), 1);
      const job = objs.find((o) => o.kind === 'Job') as any;
      job.spec.template.spec.volumes = [{ name: 'state', configMap: { name: 'configure-notify-state', items: [{ key: 'state.yml', path: 'state.yaml' }] } }];
    });
    const problems = checkConfigKeys(g).join('\n');
    expect(problems).toMatch(/Service bucket-ml\/classify .*env MODEL_URL: ConfigMap bucket-ml\/classify-config has no key MODEL_URL/);
    expect(problems).toMatch(/configure-notify .*env CONFIGURE_NOTIFY_TOKEN: Secret bucket-ml\/configure-notify-token is not in the render/);
    expect(problems).toMatch(/Job .*volume state: ConfigMap bucket-ml\/configure-notify-state has no key state.yml/);
  });

  it('the Rook bucket claim stands in for its Secret; without the claim the Secret is missing', async () => {
    const g = await mutated('rook', (objs) => void objs.splice(objs.indexOf(the(objs, 'ObjectBucketClaim', 'bucket-ml-s3')), 1));
    expect(checkConfigKeys(g).join('\n')).toMatch(/Secret bucket-ml\/bucket-ml-s3 is not in the render/);
  });

  it('min-scale 1 without a reason, the HPA class, a misspelt autoscaling annotation', async () => {
    const g = await mutated('rook', (objs) => {
      const a = (the(objs, 'Service', 'score') as any).spec.template.metadata.annotations;
      a['autoscaling.knative.dev/min-scale'] = '1';
      a['autoscaling.knative.dev/class'] = 'hpa.autoscaling.knative.dev';
      a['autoscaling.knative.dev/minScale'] = '0';
    });
    const problems = checkScaleToZero(g).join('\n');
    expect(problems).toMatch(/score: min-scale 1 keeps pods running/);
    expect(problems).toMatch(/HPA autoscaler class cannot scale to zero/);
    expect(problems).toMatch(/unknown annotation autoscaling.knative.dev\/minScale/);
    const justified = await mutated('rook', (objs) => {
      const md = (the(objs, 'Service', 'score') as any).spec.template.metadata;
      md.annotations['autoscaling.knative.dev/min-scale'] = '1';
      md.annotations['bucket-ml.io/min-scale-reason'] = 'latency SLO forbids cold starts';
    });
    expect(checkScaleToZero(justified)).toEqual([]);
  });

  it('a Rook notification with no topic and no bucket, and a claim label naming nothing', async () => {
    const g = await mutated('rook', (objs) => {
      spec(the(objs, 'CephBucketNotification', 'bucket-ml-images')).topic = 'other-topic';
      the(objs, 'ObjectBucketClaim', 'bucket-ml-s3').metadata.labels = { 'bucket-notification-bucket-ml-image': 'bucket-ml-image' };
    });
    const problems = checkRookNotifications(g).join('\n');
    expect(problems).toMatch(/CephBucketTopic other-topic is not in its namespace/);
    expect(problems).toMatch(/applies to no bucket/);
    expect(problems).toMatch(/label bucket-notification-bucket-ml-image: bucket-ml-image names no CephBucketNotification/);
  });
});
