package dev.myelin.nn;

import dev.myelin.core.Tensor;
import dev.myelin.nn.SymbolicTensor.LayerCall;
import dev.myelin.nn.layers.InputLayer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model over any directed acyclic graph of layer calls, with several inputs and outputs and
 * shared layers: Keras's functional API. Made by {@link Model#of}.
 *
 * <pre>{@code
 * SymbolicTensor a = Input.of(32), b = Input.of(32);
 * SymbolicTensor h = new Concatenate(-1).apply(a, b);
 * Model m = Model.of(List.of(a, b), List.of(new Dense(1, "sigmoid").apply(h)));
 * }</pre>
 */
public final class Functional extends Model {
    private final List<SymbolicTensor> inputs, outputs;
    private final List<LayerCall> calls = new ArrayList<>();   // topological order, inputs first
    private final List<Layer> layerList = new ArrayList<>();

    Functional(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        if (inputs.isEmpty() || outputs.isEmpty()) throw new IllegalArgumentException("a functional model needs at least one input and one output");
        for (SymbolicTensor in : inputs) {
            if (!(in.producer().layer() instanceof InputLayer)) {
                throw new IllegalArgumentException("model inputs must come from Input.of(...), got " + in);
            }
        }
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        Set<LayerCall> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Set<LayerCall> inProgress = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (SymbolicTensor o : outputs) visit(o.producer(), done, inProgress);
        for (LayerCall c : calls) {
            if (c.layer() instanceof InputLayer && !containsCall(inputs, c)) {
                throw new IllegalArgumentException("graph disconnected: the outputs depend on " + c.outputs().get(0)
                        + ", which is not among the model's inputs");
            }
            if (!layerList.contains(c.layer())) layerList.add(track(c.layer()));
        }
        nameAndSeed(layerList);
    }

    private static boolean containsCall(List<SymbolicTensor> ts, LayerCall c) {
        for (SymbolicTensor t : ts) if (t.producer() == c) return true;
        return false;
    }

    private void visit(LayerCall c, Set<LayerCall> done, Set<LayerCall> inProgress) {
        if (done.contains(c)) return;
        if (!inProgress.add(c)) throw new IllegalArgumentException("the layer graph has a cycle through " + c.layer().describe());
        for (SymbolicTensor in : c.inputs()) visit(in.producer(), done, inProgress);
        inProgress.remove(c);
        done.add(c);
        calls.add(c);
    }

    @Override
    public List<Layer> layers() {
        return List.copyOf(layerList);
    }

    @Override
    public List<int[]> inputShapes() {
        List<int[]> s = new ArrayList<>();
        for (SymbolicTensor t : inputs) s.add(t.shape());
        return s;
    }

    @Override
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        List<int[]> s = new ArrayList<>();
        for (SymbolicTensor t : outputs) s.add(t.shape());
        return s;
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return outputs.get(0).shape();
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        // each InputLayer checks its own input
    }

    @Override
    protected List<Tensor> call(List<Tensor> xs, Context ctx) {
        if (xs.size() != inputs.size()) {
            throw new IllegalArgumentException(describe() + " takes " + inputs.size() + " input(s), got " + xs.size());
        }
        Map<SymbolicTensor, Tensor> values = new IdentityHashMap<>();
        Map<SymbolicTensor, Tensor> masks = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(inputs.get(i), xs.get(i));
            if (i == 0 && ctx.mask() != null) masks.put(inputs.get(i), ctx.mask());
        }
        for (LayerCall c : calls) {
            if (c.layer() instanceof InputLayer) {
                SymbolicTensor out = c.outputs().get(0);
                values.put(out, c.layer().apply(values.get(out), ctx));
                continue;
            }
            List<Tensor> ins = new ArrayList<>();
            Tensor mask = null;
            for (SymbolicTensor t : c.inputs()) {
                ins.add(values.get(t));
                if (mask == null) mask = masks.get(t);
            }
            List<Tensor> outs = c.layer().applyAll(ins, ctx.withMask(mask));
            Tensor outMask = c.layer().computeMask(ins, mask);
            for (int i = 0; i < outs.size(); i++) {
                values.put(c.outputs().get(i), outs.get(i));
                if (outMask != null) masks.put(c.outputs().get(i), outMask);
            }
        }
        List<Tensor> result = new ArrayList<>();
        for (SymbolicTensor o : outputs) result.add(values.get(o));
        return result;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return call(List.of(x), ctx).get(0);
    }

    @Override
    protected List<String[]> summaryRows() {
        List<String[]> rows = new ArrayList<>();
        for (LayerCall c : calls) {
            List<int[]> shapes = new ArrayList<>();
            for (SymbolicTensor t : c.outputs()) shapes.add(t.shape());
            String[] r = row(c.layer(), shapes);
            if (c.layer() instanceof InputLayer) r[2] = "0";
            rows.add(r);
        }
        return rows;
    }

    /** Keras-style: layers with their inbound calls as [layer name, call index, output index]. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        Map<Layer, List<LayerCall>> callsByLayer = new IdentityHashMap<>();
        for (LayerCall c : calls) callsByLayer.computeIfAbsent(c.layer(), k -> new ArrayList<>()).add(c);
        List<Object> ls = new ArrayList<>();
        for (Layer l : layerList) {
            Map<String, Object> e = Layers.toConfig(l);
            e.put("name", l.name());
            List<Object> inbound = new ArrayList<>();
            for (LayerCall c : callsByLayer.get(l)) {
                List<Object> args = new ArrayList<>();
                for (SymbolicTensor t : c.inputs()) args.add(ref(t));
                inbound.add(args);
            }
            e.put("inbound_nodes", inbound);
            ls.add(e);
        }
        m.put("layers", ls);
        List<Object> ins = new ArrayList<>(), outs = new ArrayList<>();
        for (SymbolicTensor t : inputs) ins.add(ref(t));
        for (SymbolicTensor t : outputs) outs.add(ref(t));
        m.put("input_layers", ins);
        m.put("output_layers", outs);
        return m;
    }

    private List<Object> ref(SymbolicTensor t) {
        Layer l = t.producer().layer();
        int callIndex = 0;
        for (LayerCall c : calls) {
            if (c == t.producer()) break;
            if (c.layer() == l) callIndex++;
        }
        return List.of(l.name(), callIndex, t.outputIndex());
    }

    public static Functional fromConfig(Map<String, Object> config) {
        Object ls = config.get("layers");
        if (!(ls instanceof List<?> layerEntries)) throw new IllegalArgumentException("Functional config: 'layers' must be a list");
        Map<String, List<List<SymbolicTensor>>> produced = new LinkedHashMap<>();
        List<Map<String, Object>> pending = new ArrayList<>();
        Map<String, Layer> byName = new LinkedHashMap<>();
        for (Object o : layerEntries) {
            Map<String, Object> e = Config.map(o, "layer");
            Layer l = Layers.fromConfig(e);
            String n = Config.getString(e, "name", l.name());
            l.name(n);
            byName.put(n, l);
            pending.add(e);
        }
        // Replay the calls in file order, waiting for each call's inputs to exist.
        Map<String, Integer> nextCall = new LinkedHashMap<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map<String, Object> e : pending) {
                String n = Config.getString(e, "name");
                Layer l = byName.get(n);
                List<?> inbound = (List<?>) e.getOrDefault("inbound_nodes", List.of());
                int k = nextCall.getOrDefault(n, 0);
                if (l instanceof InputLayer) {
                    if (k == 0) {
                        produced.computeIfAbsent(n, x -> new ArrayList<>()).add(l.applyAll(new SymbolicTensor[0]));
                        nextCall.put(n, 1);
                        changed = true;
                    }
                    continue;
                }
                while (k < inbound.size()) {
                    List<?> args = (List<?>) inbound.get(k);
                    List<SymbolicTensor> ins = new ArrayList<>();
                    for (Object a : args) {
                        SymbolicTensor t = resolve(produced, (List<?>) a);
                        if (t == null) break;
                        ins.add(t);
                    }
                    if (ins.size() != args.size()) break;
                    produced.computeIfAbsent(n, x -> new ArrayList<>()).add(l.applyAll(ins.toArray(new SymbolicTensor[0])));
                    nextCall.put(n, ++k);
                    changed = true;
                }
            }
        }
        List<SymbolicTensor> ins = new ArrayList<>(), outs = new ArrayList<>();
        for (Object r : (List<?>) config.get("input_layers")) ins.add(require(produced, (List<?>) r));
        for (Object r : (List<?>) config.get("output_layers")) outs.add(require(produced, (List<?>) r));
        return withBaseConfig(new Functional(ins, outs), config);
    }

    private static SymbolicTensor resolve(Map<String, List<List<SymbolicTensor>>> produced, List<?> ref) {
        List<List<SymbolicTensor>> byCall = produced.get(ref.get(0).toString());
        int call = ((Number) ref.get(1)).intValue(), out = ((Number) ref.get(2)).intValue();
        if (byCall == null || call >= byCall.size()) return null;
        return byCall.get(call).get(out);
    }

    private static SymbolicTensor require(Map<String, List<List<SymbolicTensor>>> produced, List<?> ref) {
        SymbolicTensor t = resolve(produced, ref);
        if (t == null) throw new IllegalArgumentException("Functional config: unresolved tensor reference " + ref);
        return t;
    }
}
