package dev.myelin.nn.callbacks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes one CSV row per epoch, as Keras's {@code CSVLogger}: an "epoch" column (from 0) and then
 * the first epoch's log keys in sorted order ("accuracy,learning_rate,loss,val_accuracy,val_loss");
 * a key missing from a later epoch is written "NA". Numbers are written as Python prints them
 * ("0.6931471824645996", "1e-05", "nan"). {@code append} keeps the rows already in the file (for
 * resumed training) and writes the header only when the file is empty or absent; otherwise the file
 * is truncated when training begins. Each row is flushed to disk as it is written.
 *
 * <pre>{@code model.fit(x, y, new FitOptions().epochs(20).callbacks(new CSVLogger(Path.of("training.csv"))));}</pre>
 */
public final class CSVLogger implements Callback {
    private final Path file;
    private final boolean append;
    private String separator = ",";
    private List<String> keys;
    private boolean writeHeader;

    /** Overwrites {@code file} when training begins. */
    public CSVLogger(Path file) {
        this(file, false);
    }

    public CSVLogger(Path file, boolean append) {
        if (file == null) throw new IllegalArgumentException("CSVLogger: file must not be null");
        this.file = file;
        this.append = append;
    }

    /** The column separator (default ","). Returns this. */
    public CSVLogger separator(String value) {
        if (value == null || value.isEmpty() || value.contains("\"") || value.contains("\n")) {
            throw new IllegalArgumentException("CSVLogger: separator must be non-empty text without quotes or newlines, got '" + value + "'");
        }
        this.separator = value;
        return this;
    }

    @Override
    public void onTrainBegin() {
        keys = null;
        try {
            if (append) {
                writeHeader = !Files.exists(file) || Files.size(file) == 0;
            } else {
                Files.write(file, new byte[0]);
                writeHeader = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (keys == null) keys = logs.keySet().stream().sorted().toList();
        StringBuilder b = new StringBuilder();
        if (writeHeader) {
            List<String> header = new ArrayList<>();
            header.add("epoch");
            header.addAll(keys);
            b.append(row(header));
            writeHeader = false;
        }
        List<String> cells = new ArrayList<>();
        cells.add(Integer.toString(epoch));
        for (String k : keys) {
            Double v = logs.get(k);
            cells.add(v == null ? "NA" : PyFormat.repr(v));
        }
        b.append(row(cells));
        try {
            Files.writeString(file, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write epoch " + epoch + " to " + file + ": " + e.getMessage(), e);
        }
    }

    private String row(List<String> cells) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) b.append(separator);
            b.append(quote(cells.get(i)));
        }
        return b.append('\n').toString();
    }

    /** Quotes a cell holding the separator, a quote or a line break, doubling its quotes (Python's csv, excel dialect). */
    private String quote(String s) {
        if (!s.contains(separator) && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
