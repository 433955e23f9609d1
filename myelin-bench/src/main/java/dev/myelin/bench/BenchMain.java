package dev.myelin.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Entry point of {@code bench/run SUITE}: runs one suite and prints its {@code RESULT} lines at
 * the end, after a {@code MACHINE} line that says what they were measured on.
 *
 * <pre>{@code
 * bench/run gemm
 * }</pre>
 */
public final class BenchMain {
    private BenchMain() {}

    /** Every suite by name; a new suite (train, infer, serve, compress, mqtt) is one more entry. */
    static final Map<String, Suite> SUITES = new TreeMap<>();

    static {
        for (Suite s : List.of(new GemmSuite(), new TrainSuite(), new InferSuite(), new ServeSuite(), new CompressSuite(), new MqttSuite())) SUITES.put(s.name(), s);
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(usage());
            System.exit(args.length == 0 ? 2 : 0);
        }
        if (args[0].equals("jmh")) {
            // bench/run jmh [JMH options]: the JMH benchmarks in this module, e.g. "bench/run jmh GemmBench -p n=256"
            org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        List<Suite> chosen = new ArrayList<>();
        for (String name : args) {
            Suite s = SUITES.get(name);
            if (s == null) {
                System.err.println("bench: unknown suite '" + name + "'; known suites: " + String.join(", ", SUITES.keySet()));
                System.exit(2);
            }
            chosen.add(s);
        }
        Machine machine = Machine.detect();
        System.out.println(machine.describe());
        List<Result> results = new ArrayList<>();
        for (Suite s : chosen) results.addAll(s.run(machine));
        System.out.println();
        System.out.println(machine.describe());
        for (Result r : results) System.out.println(r.line());
    }

    static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: bench/run SUITE [SUITE...]\n");
        sb.append("       bench/run jmh [JMH options]   (JMH benchmarks, e.g. bench/run jmh GemmBench -p n=256)\n");
        sb.append("Times Myelin side by side with a reference library in one process and prints\n");
        sb.append("'RESULT <suite> <case> <metric> myelin=.. <other>=.. ratio=..' lines at the end\n");
        sb.append("(ratio above 1: Myelin is better).\n\nsuites:\n");
        for (Suite s : SUITES.values()) sb.append(String.format("  %-10s %s%n", s.name(), s.about()));
        sb.append("\nenvironment: MYELIN_TARGET (build folder, default 'target'), BENCH_JVM_OPTS (extra JVM flags),\n");
        sb.append("OPENBLAS_CORETYPE (set to SkylakeX on AVX-512 machines; BENCH_KEEP_OPENBLAS_CORETYPE=1 keeps a preset value).");
        return sb.toString();
    }
}
