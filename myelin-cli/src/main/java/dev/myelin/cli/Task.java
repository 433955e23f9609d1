package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.data.io.Csv;
import dev.myelin.nn.losses.BinaryCrossentropy;
import dev.myelin.nn.losses.CategoricalCrossentropy;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.losses.Losses;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model's output means and how labels become targets: class scores (labels are class ids
 * or names), one probability (labels 0/1 or two names), or values (numeric labels). Decided from
 * the loss when training, and kept in the model file's metadata under {@code training.cli} so that
 * evaluate and predict read the same columns and class names.
 *
 * <pre>{@code Task t = Task.forTraining(loss, metricNames, data, outShape); Tensor y = t.targets(data, loss, outShape);}</pre>
 */
record Task(Kind kind, List<String> classNames, String labelColumn, List<String> featureColumns,
            Map<String, Object> lossConfig, List<String> metricNames) {

    enum Kind { CLASSIFICATION, BINARY, REGRESSION }

    /** The metadata key, under "training", that holds this. */
    static final String KEY = "cli";

    static Kind kindOf(Loss loss) {
        return switch (loss) {
            case SparseCategoricalCrossentropy _, CategoricalCrossentropy _ -> Kind.CLASSIFICATION;
            case BinaryCrossentropy _ -> Kind.BINARY;
            default -> Kind.REGRESSION;
        };
    }

    /** The task for training {@code loss} on {@code data}: class names come from a CSV label column of text. */
    static Task forTraining(Loss loss, List<String> metricNames, DataOptions.Data data, int[] outShape) throws IOException {
        Kind kind = kindOf(loss);
        List<String> names = null;
        if (data.table != null && kind != Kind.REGRESSION && !isWholeNumbers(data.table, data.labelColumn, kind)) {
            names = data.table.categorical(data.labelColumn).categories().values();
        }
        Task t = new Task(kind, names, data.labelColumn, data.featureColumns, loss.config(), metricNames);
        t.checkOutputs(outShape, data);
        return t;
    }

    /** Whole numbers (class ids) for classification; numbers in [0, 1] for a binary task. */
    private static boolean isWholeNumbers(Csv.Table table, String column, Kind kind) {
        try {
            if (kind == Kind.CLASSIFICATION) table.integers(column);
            else table.numeric(column);
            return true;
        } catch (IOException e) {
            return false;   // text labels: they become class names
        }
    }

    /** The task a model file records, or one inferred from its compiled loss; a file without either gives values. */
    static Task fromMetadata(Map<String, Object> meta) {
        Map<String, Object> training = meta.get("training") instanceof Map<?, ?> m ? cast(m) : Map.of();
        if (training.get(KEY) instanceof Map<?, ?> c) {
            Map<String, Object> cli = cast(c);
            return new Task(Kind.valueOf(String.valueOf(cli.get("task")).toUpperCase(java.util.Locale.ROOT)),
                    strings(cli.get("class_names")), (String) cli.get("label_column"), strings(cli.get("feature_columns")),
                    cli.get("loss") instanceof Map<?, ?> l ? cast(l) : null, strings(cli.get("metrics")));
        }
        Map<String, Object> lossConfig = null;
        Kind kind = Kind.REGRESSION;
        if (training.get("losses") instanceof List<?> losses && !losses.isEmpty() && losses.getFirst() instanceof String name) {
            Loss loss = Losses.get(name);
            lossConfig = loss.config();
            kind = kindOf(loss);
        }
        List<String> metrics = strings(training.get("metrics"));
        return new Task(kind, null, null, null, lossConfig, metrics == null ? List.of() : metrics);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", kind.name().toLowerCase(java.util.Locale.ROOT));
        if (classNames != null) m.put("class_names", classNames);
        if (labelColumn != null) m.put("label_column", labelColumn);
        if (featureColumns != null) m.put("feature_columns", featureColumns);
        if (lossConfig != null) m.put("loss", lossConfig);
        m.put("metrics", metricNames);
        return m;
    }

    /** The recorded loss, or null when the file has none. */
    Loss loss() {
        return lossConfig == null ? null : Losses.fromConfig(lossConfig);
    }

    /** Whether the model outputs logits (the loss was told so): predict turns them into probabilities. */
    boolean fromLogits() {
        return lossConfig != null && Boolean.TRUE.equals(lossConfig.get("from_logits"));
    }

    /** The task with its kind following {@code loss} (evaluating with another loss than the recorded one). */
    Task withLoss(Loss loss) {
        return new Task(kindOf(loss), classNames, labelColumn, featureColumns, loss.config(), metricNames);
    }

    /** Checks that the model's output fits this task: (k) class scores, (1) probability, (1) value. */
    void checkOutputs(int[] outShape, DataOptions.Data data) {
        String shape = dev.myelin.nn.Layer.withBatch(outShape);
        switch (kind) {
            case CLASSIFICATION -> {
                if (outShape.length != 1) {
                    throw new IllegalArgumentException("the model's output has shape " + shape + "; classifying each sample needs (None, classes)");
                }
                if (classNames != null && classNames.size() > outShape[0]) {
                    throw new IllegalArgumentException("the label column '" + data.labelColumn + "' has " + classNames.size() + " classes "
                            + few(classNames) + " but the model outputs " + outShape[0] + " scores " + shape);
                }
            }
            case BINARY, REGRESSION -> {
                if (outShape.length != 1 || outShape[0] != 1) {
                    throw new IllegalArgumentException("the model's output has shape " + shape + ", but one label column gives one "
                            + (kind == Kind.BINARY ? "probability" : "value") + " per sample: expected (None, 1)"
                            + (kind == Kind.REGRESSION && outShape.length == 1 && outShape[0] > 1
                            ? " (for classes, compile with sparse_categorical_crossentropy)" : ""));
                }
            }
        }
    }

    /** The targets for {@code data}, as {@code loss} wants them: class ids (n,), one-hot (n, k), or (n, 1) values. */
    Tensor targets(DataOptions.Data data, Loss loss, int[] outShape) throws IOException {
        if (!data.hasLabels()) throw new IllegalArgumentException(data.description + " has no labels; give --label-column NAME");
        checkOutputs(outShape, data);
        int n = data.size();
        return switch (kind) {
            case CLASSIFICATION -> {
                long[] ids = classIds(data);
                int k = outShape[0];
                for (int i = 0; i < n; i++) {
                    if (ids[i] < 0 || ids[i] >= k) {
                        throw new IllegalArgumentException(where(data, i) + ": label " + ids[i] + " is not a class id of the model, which has "
                                + k + " outputs (ids 0 to " + (k - 1) + ")");
                    }
                }
                if (!(loss instanceof CategoricalCrossentropy)) yield Tensor.ofLongs(ids, n);
                float[] oneHot = new float[n * k];
                for (int i = 0; i < n; i++) oneHot[i * k + (int) ids[i]] = 1f;
                yield Tensor.wrap(oneHot, n, k);
            }
            case BINARY -> {
                float[] v = new float[n];
                if (classNames != null) {
                    long[] ids = classIds(data);
                    if (classNames.size() != 2) throw new IllegalArgumentException("binary_crossentropy needs two classes, the labels have " + few(classNames));
                    for (int i = 0; i < n; i++) v[i] = ids[i];
                } else {
                    float[] all = labelValues(data);
                    for (int i = 0; i < n; i++) {
                        if (!(all[i] >= 0 && all[i] <= 1)) {
                            throw new IllegalArgumentException(where(data, i) + ": label " + all[i] + " is not in [0, 1], as binary_crossentropy needs");
                        }
                        v[i] = all[i];
                    }
                }
                yield Tensor.wrap(v, n, 1);
            }
            case REGRESSION -> Tensor.wrap(java.util.Arrays.copyOf(labelValues(data), n), n, 1);
        };
    }

    private long[] classIds(DataOptions.Data data) throws IOException {
        if (data.mnistLabels != null) return data.mnistLabels.toLongArray();
        Tensor ids = classNames != null
                ? data.table.categorical(data.labelColumn, new Csv.Categories(classNames, false)).indices()
                : data.table.integers(data.labelColumn);
        return java.util.Arrays.copyOf(ids.toLongArray(), data.size());
    }

    private static float[] labelValues(DataOptions.Data data) throws IOException {
        if (data.mnistLabels != null) return data.mnistLabels.toFloat().toFloatArray();
        return data.table.numeric(data.labelColumn).toFloatArray();
    }

    private static String where(DataOptions.Data data, int row) {
        return data.table != null ? data.table.source() + ": line " + data.table.line(row) + ", column '" + data.labelColumn + "'"
                : data.description + ", sample " + row;
    }

    // ------------------------------------------------------------------ predictions

    /** The CSV header of predictions for a model with {@code outputs} values per sample. */
    List<String> header(int outputs) {
        List<String> h = new ArrayList<>();
        switch (kind) {
            case CLASSIFICATION -> {
                h.add("predicted");
                for (int c = 0; c < outputs; c++) h.add("prob_" + className(c));
            }
            case BINARY -> {
                h.add("predicted");
                h.add("probability");
            }
            case REGRESSION -> {
                if (outputs == 1) h.add("value");
                else for (int c = 0; c < outputs; c++) h.add("value_" + c);
            }
        }
        return h;
    }

    /** Probabilities from the model's outputs: softmax or sigmoid of logits, else the outputs as they are. */
    Tensor probabilities(Tensor outputs) {
        if (!fromLogits()) return outputs;
        return kind == Kind.CLASSIFICATION ? outputs.softmax(-1) : kind == Kind.BINARY ? outputs.sigmoid() : outputs;
    }

    /** One CSV row for one sample's (probability) outputs. */
    List<String> row(float[] p, int offset, int outputs) {
        List<String> r = new ArrayList<>(outputs + 1);
        switch (kind) {
            case CLASSIFICATION -> {
                int best = 0;
                for (int c = 1; c < outputs; c++) if (p[offset + c] > p[offset + best]) best = c;
                r.add(className(best));
                for (int c = 0; c < outputs; c++) r.add(Float.toString(p[offset + c]));
            }
            case BINARY -> {
                float prob = p[offset];
                r.add(className(prob >= 0.5f ? 1 : 0));
                r.add(Float.toString(prob));
            }
            case REGRESSION -> {
                for (int c = 0; c < outputs; c++) r.add(Float.toString(p[offset + c]));
            }
        }
        return r;
    }

    private String className(int id) {
        return classNames != null && id < classNames.size() ? classNames.get(id) : Integer.toString(id);
    }

    // ------------------------------------------------------------------ helpers

    static String few(List<String> names) {
        return names.size() <= 10 ? names.toString() : names.subList(0, 10).toString().replace("]", ", ... (" + names.size() + " in all)]");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static List<String> strings(Object o) {
        if (!(o instanceof List<?> l)) return null;
        List<String> out = new ArrayList<>();
        for (Object v : l) out.add(String.valueOf(v));
        return out;
    }
}
