package dev.myelin.nn.callbacks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-epoch metrics recorded by {@code fit}: {@code history.get("val_loss")} lists one value per epoch. */
public final class History implements Callback {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();
    private final List<Integer> epochs = new ArrayList<>();

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        epochs.add(epoch);
        for (var e : logs.entrySet()) values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
    }

    /** The values of one metric, one per epoch, or an empty list if it was never logged. */
    public List<Double> get(String metric) {
        return Collections.unmodifiableList(values.getOrDefault(metric, List.of()));
    }

    /** The epochs recorded (0-based), which start at {@code initialEpoch}. */
    public List<Integer> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** All metrics by name. */
    public Map<String, List<Double>> all() {
        return Collections.unmodifiableMap(values);
    }

    /** The last recorded value of a metric. */
    public double last(String metric) {
        List<Double> l = values.get(metric);
        if (l == null || l.isEmpty()) throw new IllegalArgumentException("no values for metric '" + metric + "'; recorded: " + values.keySet());
        return l.get(l.size() - 1);
    }

    @Override
    public String toString() {
        return "History" + values;
    }
}
