package dev.myelin.cli;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.data.Mnist;
import dev.myelin.data.io.Csv;
import dev.myelin.nn.Layer;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The data options every command shares: where the samples come from (the cached MNIST, a folder
 * of MNIST-format IDX files, or a CSV file), which MNIST split, which CSV column holds the labels,
 * and how many samples to take.
 */
final class DataOptions {
    enum Split { TRAIN, TEST }

    @Option(names = "--data", paramLabel = "SOURCE",
            description = "mnist (the MNIST cache, see 'myelin datasets'), a folder of MNIST-format IDX files, or a .csv file with a header line.")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A folder of MNIST-format IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...; .gz allowed).")
    Path dataDir;

    @Option(names = "--split", paramLabel = "train|test",
            description = "Which MNIST split to use (default: train for train, test for evaluate and predict).")
    Split split;

    @Option(names = "--label-column", paramLabel = "NAME",
            description = "CSV: the column holding the labels; every other column is a numeric feature.")
    String labelColumn;

    @Option(names = "--delimiter", paramLabel = "CHAR", description = "CSV: the field separator, \\t for tabs (default: a comma; a tab for .tsv files).")
    String delimiter;

    @Option(names = "--no-header", description = "CSV: the first line is data; columns are then named by position: 0, 1, 2, ...")
    boolean noHeader;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N samples.")
    Integer limit;

    /** Samples read from files: features {@code x} (samples, ...) and what is needed to get their labels. */
    static final class Data {
        final String description;
        final Tensor x;
        final Tensor mnistLabels;        // int64 (samples,), MNIST only
        final Csv.Table table;            // CSV only: labels are read from it once the task is known
        final String labelColumn;         // CSV only; null when the file has none
        final List<String> featureColumns; // CSV only

        Data(String description, Tensor x, Tensor mnistLabels, Csv.Table table, String labelColumn, List<String> featureColumns) {
            this.description = description;
            this.x = x;
            this.mnistLabels = mnistLabels;
            this.table = table;
            this.labelColumn = labelColumn;
            this.featureColumns = featureColumns;
        }

        int size() {
            return x.size(0);
        }

        boolean hasLabels() {
            return mnistLabels != null || labelColumn != null;
        }

        /** The shape of one sample. */
        int[] sampleShape() {
            int[] s = x.shape();
            return java.util.Arrays.copyOfRange(s, 1, s.length);
        }

        /** The features in the model's input shape: reshaped when only the layout differs ((n, 784) for (n, 28, 28, 1)). */
        Tensor xFor(int[] modelInput) {
            int[] s = sampleShape();
            boolean fixed = true;
            for (int d : modelInput) fixed &= d > 0;
            if (Shape.equal(s, modelInput)) return x;
            if (fixed && Shape.numel(s) == Shape.numel(modelInput)) {
                int[] target = new int[modelInput.length + 1];
                target[0] = size();
                System.arraycopy(modelInput, 0, target, 1, modelInput.length);
                return x.contiguous().reshape(target);
            }
            if (!fixed && s.length == modelInput.length) return x;   // variable sizes: the model checks them
            throw new IllegalArgumentException(description + " gives samples of shape " + Layer.withBatch(s) + " (" + Shape.numel(s)
                    + " values each), but the model takes " + Layer.withBatch(modelInput)
                    + (featureColumns != null ? "; the feature columns are " + featureColumns : ""));
        }
    }

    /** Checks that the options name exactly one source; {@code requireLabels}: a CSV needs --label-column. */
    void validate(CommandLine cl, boolean requireLabels) {
        if (data != null && dataDir != null) throw new ParameterException(cl, "give the data once: --data or --data-dir, not both");
        if (data == null && dataDir == null) {
            throw new ParameterException(cl, "no data: give --data mnist, --data FILE.csv or --data-dir DIR");
        }
        if (limit != null && limit < 1) throw new ParameterException(cl, "--limit must be at least 1, got " + limit);
        boolean csv = isCsv();
        if (csv && split != null) throw new ParameterException(cl, "--split is for MNIST folders, not CSV files");
        if (!csv && labelColumn != null) throw new ParameterException(cl, "--label-column is for CSV files; MNIST folders carry their labels");
        if (!csv && noHeader) throw new ParameterException(cl, "--no-header is for CSV files");
        if (csv && requireLabels && labelColumn == null) {
            throw new ParameterException(cl, "a CSV file needs --label-column NAME: the column that holds the labels");
        }
        delimiterChar(cl);
    }

    private char delimiterChar(CommandLine cl) {
        if (delimiter == null) return data != null && data.toLowerCase(Locale.ROOT).endsWith(".tsv") ? '\t' : ',';
        String d = delimiter.equals("\\t") ? "\t" : delimiter;
        if (d.length() != 1) throw new ParameterException(cl, "--delimiter must be one character (or \\t), got '" + delimiter + "'");
        return d.charAt(0);
    }

    private boolean isCsv() {
        if (data == null || data.equals("mnist")) return false;
        Path p = Path.of(data);
        if (Files.isDirectory(p)) return false;
        String lower = data.toLowerCase(Locale.ROOT);
        return lower.endsWith(".csv") || lower.endsWith(".tsv") || lower.endsWith(".txt") || Files.isRegularFile(p);
    }

    /** The MNIST folder these options name, or null for a CSV file. */
    Path mnistDir() {
        if (dataDir != null) return dataDir;
        if (data.equals("mnist")) return Mnist.defaultDir();
        return isCsv() ? null : Path.of(data);
    }

    /**
     * Reads the samples. {@code featureColumns}: the CSV columns to use, in order (those a model was
     * trained on), or null for every column but the label column.
     */
    Data load(CommandLine cl, Split defaultSplit, List<String> featureColumns) throws IOException {
        Path dir = mnistDir();
        if (dir != null) return loadMnist(dir, split != null ? split : defaultSplit);
        return loadCsv(Path.of(data), delimiterChar(cl), featureColumns);
    }

    private Data loadMnist(Path dir, Split which) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FileNotFoundException(dir + ": no such folder" + (dir.equals(Mnist.defaultDir())
                    ? "; fetch MNIST with '" + Main.commandName() + " datasets mnist'" : " (expected MNIST-format IDX files in it)"));
        }
        return mnist(Mnist.load(dir), dir, which, limit);
    }

    /** One split of a loaded MNIST, its first {@code limit} images when set. */
    static Data mnist(Mnist m, Path dir, Split which, Integer limit) {
        Tensor x = which == Split.TRAIN ? m.trainImages() : m.testImages();
        Tensor y = which == Split.TRAIN ? m.trainLabels() : m.testLabels();
        int n = x.size(0);
        if (limit != null && limit < n) {
            n = limit;
            x = x.slice(0, 0, n);
            y = y.slice(0, 0, n);
        }
        String what = "MNIST " + (which == Split.TRAIN ? "training" : "test") + " images in " + dir;
        return new Data(what, x, y, null, null, null);
    }

    private Data loadCsv(Path file, char delim, List<String> featureColumns) throws IOException {
        if (!Files.isRegularFile(file)) throw new FileNotFoundException(file + ": no such file");
        Csv.Table table = Csv.options().delimiter(delim).header(!noHeader).read(file);
        if (table.rowCount() == 0) throw new IOException(file + ": no data rows");
        String label = labelColumn;
        if (label != null) table.indexOf(label);   // an unknown column is an error listing the columns there are
        Csv.Table features;
        if (featureColumns != null && !noHeader) {
            features = table.select(featureColumns.toArray(String[]::new));
        } else {
            features = label != null ? table.drop(label) : table;
            if (featureColumns != null && features.columnCount() != featureColumns.size()) {
                // without a header the columns are matched by position
                throw new IOException(file + ": " + features.columnCount() + " feature columns, but the model was trained on "
                        + featureColumns.size() + ": " + Task.few(featureColumns));
            }
        }
        if (features.columnCount() == 0) throw new IOException(file + ": no feature columns besides the label column '" + label + "'");
        Tensor x = features.numeric();
        int n = x.size(0);
        if (limit != null && limit < n) x = x.slice(0, 0, limit);
        return new Data(file + " (" + features.columnCount() + " feature columns)", x, null, table, label, features.columns());
    }
}
