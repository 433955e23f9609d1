package dev.myelin.bench;

import java.util.List;

/**
 * One named benchmark suite of {@code bench/run}: it times Myelin side by side with another
 * library in the same process and returns one {@link Result} per comparison. To add a suite,
 * implement this and list it in {@link BenchMain#SUITES}.
 */
public interface Suite {

    /** The name {@code bench/run} takes, e.g. "gemm". */
    String name();

    /** One line for {@code bench/run --help}. */
    String about();

    /** Runs the suite, printing progress as it goes, and returns the comparisons. */
    List<Result> run(Machine machine) throws Exception;
}
