import { z } from 'zod';
import { ExportUnsupported } from './unsupported.js';

/** One layer of a Keras (TF.js layers) model.json, as saved: snake_case config, inputs by layer name. */
export interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Names of the layers whose (first) output this layer takes, in order. */
  inputs: string[];
}

export interface KerasModel {
  layers: KerasLayer[];
  input: string;
  output: string;
}

const layerSchema = z.looseObject({
  class_name: z.string(),
  name: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  inbound_nodes: z.array(z.unknown()).optional(),
});
type LayerJson = z.output<typeof layerSchema>;

const tensorRef = z.tuple([z.string(), z.number(), z.number()]).rest(z.unknown());
const endpoints = z.array(tensorRef);

const topologySchema = z.looseObject({
  model_config: z.looseObject({ class_name: z.string(), config: z.unknown() }).optional(),
  class_name: z.string().optional(),
  config: z.unknown().optional(),
});

/** The layer graph of a layers-model topology (Functional `Model` or `Sequential`). */
export function parseKerasTopology(topology: unknown): KerasModel {
  const parsed = topologySchema.safeParse(topology);
  if (!parsed.success) throw new Error(`not a Keras layers topology: ${parsed.error.issues[0]?.message}`);
  const root = parsed.data.model_config ?? { class_name: parsed.data.class_name ?? '', config: parsed.data.config };
  if (root.class_name === 'Sequential') return sequential(root.config);
  if (root.class_name === 'Model' || root.class_name === 'Functional') return functional(root.config);
  throw new ExportUnsupported(`model class ${root.class_name || '(none)'}`, 'only Functional (Model) and Sequential layers models are exported');
}

function layerName(l: LayerJson): string {
  return l.name ?? String(l.config.name ?? '');
}

function sequential(config: unknown): KerasModel {
  const list = Array.isArray(config) ? config : z.object({ layers: z.array(z.unknown()) }).parse(config).layers;
  const raw = z.array(layerSchema).parse(list);
  const first = raw[0];
  if (!first) throw new Error('Sequential model without layers');
  const layers: KerasLayer[] = [];
  let previous: string;
  if (first.class_name === 'InputLayer') {
    previous = layerName(first);
  } else {
    // A Sequential model's input shape is declared on its first layer.
    previous = 'input';
    layers.push({ className: 'InputLayer', name: previous, config: { batch_input_shape: first.config.batch_input_shape }, inputs: [] });
  }
  for (const l of raw) {
    if (l.class_name === 'InputLayer') {
      layers.push({ className: 'InputLayer', name: layerName(l), config: l.config, inputs: [] });
      continue;
    }
    layers.push({ className: l.class_name, name: layerName(l), config: l.config, inputs: [previous] });
    previous = layerName(l);
  }
  return { layers, input: layers[0]!.name, output: previous };
}

function functional(config: unknown): KerasModel {
  const c = z.looseObject({ layers: z.array(layerSchema), input_layers: endpoints, output_layers: endpoints }).parse(config);
  if (c.input_layers.length !== 1) throw new ExportUnsupported(`${c.input_layers.length} model inputs`, 'image models have exactly one input');
  if (c.output_layers.length !== 1) throw new ExportUnsupported(`${c.output_layers.length} model outputs`, 'image models have exactly one output');
  const layers = c.layers.map((l): KerasLayer => {
    const nodes = l.inbound_nodes ?? [];
    // Each entry of inbound_nodes is one call of the layer; a layer called twice shares weights across calls.
    if (nodes.length > 1) throw new ExportUnsupported(`layer ${layerName(l)} (${l.class_name})`, 'a layer used more than once (shared layers) is not exported');
    const call = nodes.length === 1 ? z.array(tensorRef).safeParse(nodes[0]) : { success: true as const, data: [] };
    if (!call.success) throw new ExportUnsupported(`layer ${layerName(l)} (${l.class_name})`, 'inbound_nodes in a format other than Keras 2 lists');
    for (const [source, node, tensor] of call.data) {
      if (node !== 0 || tensor !== 0) throw new ExportUnsupported(`layer ${layerName(l)} (${l.class_name})`, `input ${source}[${node}][${tensor}] (multi-output or shared layers)`);
    }
    return { className: l.class_name, name: layerName(l), config: l.config, inputs: call.data.map(([source]) => source) };
  });
  return { layers, input: c.input_layers[0]![0], output: c.output_layers[0]![0] };
}
