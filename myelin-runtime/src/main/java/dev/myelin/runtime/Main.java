package dev.myelin.runtime;

import dev.myelin.backend.Backends;
import dev.myelin.core.Shape;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The runtime jar's command: runs a saved model on samples read as CSV and writes its predictions.
 * Each input line is one sample, its values comma-separated and flattened row-major over the
 * model's input shape; blank lines and lines starting with '#' are skipped. Each output line is
 * that sample's flattened output, comma-separated, with every float printed so that it reads back
 * to the same bits (or its arg-max class with {@code --argmax}).
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -jar myelin-runtime.jar mnist-int8.myelin digits.csv --argmax
 * }</pre>
 */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: myelin-run [options] MODEL [INPUT]
            Runs a saved Myelin model (float, int8-quantized or pruned) on the samples in INPUT, a CSV file
            (standard input when INPUT is absent or '-'): one sample per line, its values comma-separated and
            flattened row-major over the model's input shape; blank lines and '#' lines are skipped. Writes one
            line per sample: its flattened output, comma-separated.
              --batch-size N  samples per forward pass (default 32)
              --argmax        write the index of the largest output (the class) instead of the outputs
              --info          write the model's input and output shapes, then stop
              --time N        afterwards, time N batch-1 predictions of the first sample (after N to warm up)
                              and write the median, 90th percentile and mean latency to standard error
              -h, --help      this text
            """;

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.in, System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("myelin-run: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }

    /** Runs the command; returns the exit status (0 done, 1 the model could not be read, 2 bad arguments or input). */
    static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        String modelArg = null, inputArg = null;
        int batchSize = 32, timeRuns = 0;
        boolean argmax = false, info = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    stdout.print(USAGE);
                    return 0;
                }
                case "--argmax" -> argmax = true;
                case "--info" -> info = true;
                case "--batch-size" -> batchSize = positive(a, value(args, ++i, a));
                case "--time" -> timeRuns = positive(a, value(args, ++i, a));
                default -> {
                    if (a.startsWith("--")) throw new IllegalArgumentException("unknown option '" + a + "'; run with --help for the options");
                    if (modelArg == null) modelArg = a;
                    else if (inputArg == null) inputArg = a;
                    else throw new IllegalArgumentException("unexpected argument '" + a + "': expected MODEL and at most one INPUT file");
                }
            }
        }
        if (modelArg == null) throw new IllegalArgumentException("no model file given\n" + USAGE);

        Predictor p;
        try {
            p = Predictor.load(Path.of(modelArg));
        } catch (NoSuchFileException e) {
            stderr.println("myelin-run: no such model file: " + modelArg);
            return 1;
        } catch (IOException e) {
            stderr.println("myelin-run: cannot load " + modelArg + ": " + e.getMessage());
            return 1;
        }
        if (info) {
            stdout.println("model: " + p.model().describe());
            stdout.println("input: " + Shape.format(p.inputShape()) + " per sample");
            stdout.println("output: " + Shape.format(p.outputShape()) + " per sample");
            stdout.println("backend: " + Backends.current().name());
            return 0;
        }

        float[] first = null;
        try (Reader in = inputArg == null || inputArg.equals("-")
                ? new InputStreamReader(stdin, StandardCharsets.UTF_8)
                : Files.newBufferedReader(Path.of(inputArg), StandardCharsets.UTF_8);
             BufferedReader lines = new BufferedReader(in)) {
            Writer out = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
            String source = inputArg == null ? "standard input" : inputArg;
            int size = p.inputSize();
            List<float[]> batch = new ArrayList<>();
            String line;
            for (int lineNo = 1; (line = lines.readLine()) != null; lineNo++) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                float[] sample = parseRow(t, size, source, lineNo);
                if (first == null) first = sample;
                batch.add(sample);
                if (batch.size() == batchSize) writeBatch(p, batch, argmax, out);
            }
            writeBatch(p, batch, argmax, out);
            out.flush();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such input file: " + inputArg);
        } catch (IOException e) {
            stderr.println("myelin-run: cannot read the input: " + e.getMessage());
            return 1;
        }
        if (timeRuns > 0) {
            if (first == null) throw new IllegalArgumentException("--time needs at least one input sample");
            stderr.println(time(p, first, timeRuns));
        }
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    private static int positive(String option, String text) {
        try {
            int v = Integer.parseInt(text);
            if (v >= 1) return v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(option + " expects a positive whole number, got '" + text + "'");
    }

    /** One CSV line as floats, exactly {@code size} of them. */
    static float[] parseRow(String line, int size, String source, int lineNo) {
        String[] cells = line.split(",", -1);
        if (cells.length != size) {
            throw new IllegalArgumentException(source + " line " + lineNo + " has " + cells.length + " values; the model expects "
                    + size + " per sample (its input shape, flattened)");
        }
        float[] row = new float[size];
        for (int i = 0; i < size; i++) {
            String c = cells[i].strip();
            try {
                row[i] = Float.parseFloat(c);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + " line " + lineNo + ", value " + (i + 1) + ": '" + c + "' is not a number");
            }
        }
        return row;
    }

    private static void writeBatch(Predictor p, List<float[]> batch, boolean argmax, Writer out) throws IOException {
        if (batch.isEmpty()) return;
        float[][] rows = p.predict(batch.toArray(new float[0][]));
        StringBuilder b = new StringBuilder();
        for (float[] r : rows) {
            if (argmax) {
                b.append(Predictor.argmax(r));
            } else {
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) b.append(',');
                    b.append(r[i]);   // Float.toString: the shortest text that reads back to the same float
                }
            }
            b.append('\n');
        }
        out.write(b.toString());
        batch.clear();
    }

    /** Batch-1 latency: {@code runs} predictions to warm up (JIT), then {@code runs} timed ones. */
    static String time(Predictor p, float[] sample, int runs) {
        float sink = 0;
        for (int i = 0; i < runs; i++) sink += p.predict(sample)[0];
        long[] ns = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            sink += p.predict(sample)[0];
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        double mean = Arrays.stream(ns).average().orElse(0);
        return String.format(Locale.ROOT,
                "latency batch=1 runs=%d median_us=%.1f p90_us=%.1f mean_us=%.1f backend=%s (checksum %s)",
                runs, ns[runs / 2] / 1e3, ns[(int) (runs * 0.9)] / 1e3, mean / 1e3, Backends.current().name(), sink);
    }
}
